#!/bin/sh
# Runs a command with gnome-keyring as the Secret Service of the current D-Bus session, e.g.
#   XDG_DATA_HOME="$(mktemp -d)" dbus-run-session -- sh tests/common/secret_service.sh cargo test
# gnome-keyring keeps its keyrings under $XDG_DATA_HOME: give it a throwaway folder. The login
# keyring (the default collection) is created unlocked, with the password "pw"; with
# --no-login-keyring there is none (for the "no default collection" test).
# Needs: apt-get install -y --no-install-recommends dbus-daemon gnome-keyring
set -eu

if [ "${1:-}" = --no-login-keyring ]; then
  shift
  gnome-keyring-daemon --start --components=secrets >/dev/null
else
  printf %s pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
fi

# The daemon takes its bus name a moment after it returns. A client that came first would make
# D-Bus start a second daemon, which outlives the session and keeps its output pipes open.
tries=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
  grep -q 'boolean true'; do
  tries=$((tries + 1))
  if [ "$tries" -ge 100 ]; then
    echo "secret_service.sh: gnome-keyring did not take org.freedesktop.secrets" >&2
    exit 1
  fi
  sleep 0.05
done

exec "$@"
