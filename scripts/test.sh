#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need
# (D-Bus, gnome-keyring, keyutils; apt-get, as root), starts a throwaway
# unlocked Secret Service on a private session bus, then runs every test and
# prints the totals on the last line.
#
#   scripts/test.sh [extra cargo test args]
#
# Set EXOSET_REQUIRE_KEYRING=1 (CI does) to make an absent keyring store a
# failure instead of a skipped test. The last line reads
# `total: N passed, F failed, K skipped`; a skipped test is not a passed one.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# --all-targets includes the criterion benches (benches/): each runs once as
# a smoke test ("Testing … Success"), asserting nothing about speed. They
# print no `test result:` line today; should one appear, the awk below leaves
# it out of the totals, which count tests only.
bash scripts/with-keyring.sh cargo test --workspace --all-targets "$@" 2>&1 | tee "$log" || status=$?
# --all-targets leaves out doc tests (exoset-core's crate example): run them too.
cargo test --workspace --doc "$@" 2>&1 | tee -a "$log" || status=$?
# A test that finds what it needs absent (a keyring, outside CI) returns
# early, which libtest counts as passed; it also writes `SKIPPED: why` past
# the capture (tests/it/support/mod.rs), so it is counted here as skipped,
# not passed. Every such line is listed above the totals.
grep -o 'SKIPPED: .*' "$log" || true
awk '/^ *(Running|Doc-tests) / { bench = ($0 ~ /Running benches\//) }
     /^test result:/ && !bench { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     { n = gsub(/SKIPPED: /, "&"); s += n }
     END { printf "total: %d passed, %d failed, %d skipped\n", p - s, f, s }' "$log"
exit "$status"
