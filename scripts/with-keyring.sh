#!/usr/bin/env bash
# Runs a command with a private, unlocked Secret Service (gnome-keyring) on a private D-Bus session bus,
# so keychain tests use a real keychain without touching the user's own:
#
#   bash scripts/with-keyring.sh node_modules/.bin/node --test electron/core/secrets/*.test.ts
#
# The keyring lives in a throwaway directory (mktemp) that is deleted afterwards; only gnome-keyring sees it as
# $HOME, the command keeps the caller's HOME. The command sees AIRLOCK_TEST_KEYRING=1, so keychain tests know
# a Secret Service was started for them (they may then write to it), and fail instead of skipping if it is broken.
# Without dbus-run-session or gnome-keyring-daemon it says why in one line and runs the command as is; keychain
# tests then skip with a reason (under CI=true that is an error instead). Install them with scripts/setup-test-machine.sh (apt: dbus gnome-keyring).
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: scripts/with-keyring.sh <command> [args...]" >&2
  exit 2
fi
missing=""
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  if [ -n "${CI:-}" ] && [ "${CI}" != "false" ] && [ "${CI}" != "0" ]; then
    echo "with-keyring: CI must run the keychain tests, but$missing is missing (run scripts/setup-test-machine.sh)." >&2
    exit 70
  fi
  echo "with-keyring: no private Secret Service (missing:$missing); running without it, keychain tests will skip." >&2
  exec "$@"
fi

keyring_home="$(mktemp -d "${TMPDIR:-/tmp}/airlock-keyring.XXXXXX")"
cleanup() { rm -rf "$keyring_home"; }
trap cleanup EXIT INT TERM
mkdir -p "$keyring_home/.local/share/keyrings" "$keyring_home/run"
chmod 700 "$keyring_home" "$keyring_home/run"
printf 'login' >"$keyring_home/.local/share/keyrings/default"
# The bus daemon's own chatter (fd limits, activating the GUI unlock prompter that cannot open a display when a
# test locks the keyring) is not the command's output: keep it off the terminal.
daemon="$(command -v dbus-daemon || true)"
dbus_args=()
if [ -n "$daemon" ]; then
  printf '#!/bin/sh\nexec "%s" "$@" 2>/dev/null\n' "$daemon" >"$keyring_home/dbus-daemon"
  chmod 700 "$keyring_home/dbus-daemon"
  dbus_args=(--dbus-daemon="$keyring_home/dbus-daemon")
fi

export AIRLOCK_KEYRING_HOME="$keyring_home"
set +e
dbus-run-session "${dbus_args[@]}" -- sh -c '
  # The daemon gets the throwaway HOME; the command keeps the real one. "pw" unlocks (and creates) the login keyring.
  printf pw | HOME="$AIRLOCK_KEYRING_HOME" XDG_DATA_HOME="$AIRLOCK_KEYRING_HOME/.local/share" \
    XDG_RUNTIME_DIR="$AIRLOCK_KEYRING_HOME/run" gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  # Wait (briefly) until the Secret Service owns its bus name.
  i=0
  while [ $i -lt 50 ]; do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then
      break
    fi
    i=$((i + 1)); sleep 0.1
  done
  if [ $i -ge 50 ]; then echo "with-keyring: gnome-keyring-daemon did not start its Secret Service" >&2; exit 70; fi
  unset AIRLOCK_KEYRING_HOME
  AIRLOCK_TEST_KEYRING=1 exec "$@"
' with-keyring "$@"
status=$?
set -e
exit $status
