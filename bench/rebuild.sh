#!/usr/bin/env bash
# How long a one-file change takes to rebuild and relink the tests: touches
# FILE, runs `cargo test --workspace --all-targets --no-run -v`, and reports
# the wall time, the rustc runs and how many of them linked an executable
# (a test, bench, example or binary). RUNS times per file (default 3), after
# one warm-up build.
#
#   bench/rebuild.sh FILE [FILE...]
#   e.g. bench/rebuild.sh crates/exoset-tui/src/view.rs crates/exoset-engine/src/session.rs
set -euo pipefail
runs=${RUNS:-3}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --all-targets --no-run -q >/dev/null 2>&1
for file in "$@"; do
    [[ -f $file ]] || {
        echo "rebuild.sh: no $file" >&2
        exit 2
    }
    for run in $(seq 1 "$runs"); do
        touch "$file"
        start=$(date +%s.%N)
        cargo test --workspace --all-targets --no-run -v >"$log" 2>&1
        end=$(date +%s.%N)
        rustc=$(grep -c 'Running `.*rustc ' "$log" || true)
        links=$(grep 'Running `.*rustc ' "$log" | grep -cE -- '--test |--crate-type bin' || true)
        printf '%-45s run %d: %6.1f s, %2d rustc runs, %2d executables linked\n' \
            "$file" "$run" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$rustc" "$links"
    done
done
