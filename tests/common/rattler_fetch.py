"""Fetches a conda channel's repodata with py-rattler, as pixi does, and prints what it parsed.

Usage: python rattler_fetch.py CHANNEL_URL SUBDIR... (run by tests/rattler.rs)

The client is py-rattler's default one (`Client.default_client()`, whose
`AuthenticationMiddleware` reads the default authentication storage: the file named by
`RATTLER_AUTH_FILE`, the OS keyring, `~/.rattler/credentials.json`, `~/.netrc`). The channel URL
carries no token: only a `CondaToken` credential in that storage can put `/t/<token>/` in it.

Prints one JSON object: {subdir: ["name version build", ...]}. Exits 3, with the error on
stderr, when rattler cannot fetch the repodata (so the tests tell "no access" from a crash).
"""

import asyncio
import json
import os
import sys
import tempfile

from rattler import Channel, Client, Subdir, fetch_repo_data
from rattler.exceptions import FetchRepoDataError
from rattler.networking.fetch_repo_data import FetchRepoDataOptions


async def fetch(url, subdirs):
    # A fresh cache: each run must ask the server, never reuse an earlier answer.
    with tempfile.TemporaryDirectory() as cache:
        repodata = await fetch_repo_data(
            channels=[Channel(url)],
            platforms=[Subdir(s) for s in subdirs],
            cache_path=cache,
            callback=None,
            client=Client.default_client(),
            fetch_options=FetchRepoDataOptions(cache_action="no-cache"),
        )
        parsed = {}
        for data in repodata:
            parsed[data.subdir] = sorted(
                f"{r.name.normalized} {r.version} {r.build}" for r in data.load_all_records()
            )
            data.close()
        return parsed


def main():
    url, subdirs = sys.argv[1], sys.argv[2:]
    try:
        parsed = asyncio.run(fetch(url, subdirs))
    except FetchRepoDataError as e:
        print(f"FetchRepoDataError: {e}", file=sys.stderr)
        return 3
    print(json.dumps(parsed, sort_keys=True))
    return 0


code = main()
sys.stdout.flush()
sys.stderr.flush()
# Leave without the interpreter's shutdown: py-rattler 0.28's native threads (its tokio runtime)
# can crash it with SIGSEGV after the work is done, about one run in ten here, which would turn
# a result already printed into a failed test.
os._exit(code)
