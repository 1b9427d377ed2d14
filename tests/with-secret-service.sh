#!/usr/bin/env bash
# Runs a command beside a real, throwaway Secret Service (gnome-keyring), unlocked, on a private session bus.
# Usage: dbus-run-session -- bash tests/with-secret-service.sh COMMAND ARGS...
# `cargo xtask test` runs the whole test suite this way; the keyring lives in a temporary XDG_DATA_HOME so the
# user's own keyring is never touched. HOME is left alone (changing it would break rustup and cargo).
set -euo pipefail
export XDG_DATA_HOME="$(mktemp -d -t gmux-keyring-XXXXXX)"
eval "$(printf 'gmux-test-password' | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
export GNOME_KEYRING_CONTROL
gdbus wait --session --timeout 10 org.freedesktop.secrets
status=0
"$@" || status=$?
rm -rf "$XDG_DATA_HOME"
exit $status
