#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need
# (D-Bus, gnome-keyring, keyutils; apt-get, as root), starts a throwaway
# unlocked Secret Service on a private session bus, then runs every test.
#
#   scripts/test.sh [extra cargo test args]
#
# Set EXOSET_REQUIRE_KEYRING=1 (CI does) to make an absent keyring store a
# failure instead of a skipped test.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/with-keyring.sh cargo test --all-targets "$@"
