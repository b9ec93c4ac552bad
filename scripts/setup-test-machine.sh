#!/usr/bin/env bash
# Installs the system packages the tests use (Debian/Ubuntu): Chromium for the UI tests, a Secret Service
# (gnome-keyring under a private D-Bus session) for the keychain tests, wrk for benchmarks.
# Elsewhere it only says what to install.
set -euo pipefail
PKGS="chromium gnome-keyring dbus dbus-x11 libsecret-tools wrk"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-test-machine: not a Debian/Ubuntu machine; install Chromium and a Secret Service yourself ($PKGS)."
  exit 0
fi
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -z "$missing" ]; then echo "setup-test-machine: system packages present"; exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup-test-machine: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
