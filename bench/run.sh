#!/usr/bin/env bash
# Start-up time and peak memory of `anaconda token --help` and `anaconda token list` (one token
# installed), and the `.condarc` parse time at 1k, 10k and 100k keys (`config --force` on a file
# already configured: read, parse, compare, nothing written), measured with hyperfine and GNU
# time on the release build.
#
#   bash bench/run.sh            # ours only
#   PYTHON_ANACONDA=/path/to/venv/bin/anaconda bash bench/run.sh   # also the Python tool
#
# Needs: hyperfine and GNU time (apt-get install -y hyperfine time).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y hyperfine time" >&2; exit 1; }
done

cargo build --release --locked --quiet
ours="$PWD/target/release/anaconda"

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
mkdir -p "$home/.anaconda"
# One installed token, in the keyring file format the Python tool writes.
python3 - "$home/.anaconda/keyring" <<'PY'
import base64, json, sys
entry = {"domain": "anaconda.com", "repo_tokens": [{"token": "bench-token-1", "org_name": "acme"}], "version": 2}
secret = base64.b64encode(json.dumps(entry, separators=(",", ":")).encode()).decode()
with open(sys.argv[1], "w") as f:
    json.dump({"Anaconda Cloud": {"anaconda.com": secret}}, f)
PY
chmod 600 "$home/.anaconda/keyring"

run_env=(env -i HOME="$home" PATH=/usr/bin:/bin NO_COLOR=1)

peak_kb() { # peak resident memory of one run, in kB
  "${run_env[@]}" /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1
}

report() { # name, command...
  local name=$1; shift
  hyperfine --shell=none --warmup 5 --runs 50 --export-json "$home/h.json" \
    -n "$name" "${run_env[*]} $*" >/dev/null
  local mean stddev
  mean=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f ms ± %.1f" % (r["mean"]*1000, r["stddev"]*1000))' "$home/h.json")
  printf '%-40s %22s %10s kB\n' "$name" "$mean" "$(peak_kb "$@")"
}

printf '%-40s %22s %13s\n' "command" "time (mean ± σ)" "peak RSS"
report "anaconda token --help" "$ours" token --help
report "anaconda token list" "$ours" token list
for keys in 1000 10000 100000; do
  python3 - "$home/.condarc" "$keys" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.writelines(f"key{i}: value{i}\n" for i in range(n))
PY
  "${run_env[@]}" "$ours" token config --force >/dev/null # configure once; then parse only
  report "config --force, .condarc of $keys keys" "$ours" token config --force
done
rm -f "$home/.condarc" "$home/.condarc.bak"
if [ -n "${PYTHON_ANACONDA:-}" ]; then
  report "python: anaconda token --help" "$PYTHON_ANACONDA" token --help
  report "python: anaconda token list" "$PYTHON_ANACONDA" token list
fi
