#!/usr/bin/env bash
# Runs the install steps as a brand-new machine would, so a step that only
# works where a tool was installed by hand is caught here and not in CI:
#
#   - a fresh Python venv first on PATH (it has never seen ziglang or the
#     OpenAPI tools);
#   - CARGO_INSTALL_ROOT pointing at an empty folder, with that folder's bin/
#     first on PATH, so `cargo install --list` shows no cargo-zigbuild or
#     cargo-deb and they are built anew;
#   - CARGO_TARGET_DIR in a scratch folder, so nothing is read from target/.
#
#   scripts/check-fresh-install.sh          the install steps (scripts/tools.sh all)
#   scripts/check-fresh-install.sh --dist   then scripts/dist.sh with that
#                                           environment (a full release build)
#
# Everything it installs goes into a temporary folder, removed at the end
# (KEEP=1 keeps it). Needs python3 with venv, cargo and network access to
# PyPI and crates.io; man-db and binutils come from apt-get as root.
set -euo pipefail
cd "$(dirname "$0")/.."

me=$(basename "$0")
say() { printf '%s: %s\n' "$me" "$*" >&2; }
dist=
case ${1:-} in
--dist) dist=1 ;;
'') ;;
*)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
    exit 2
    ;;
esac

scratch=$(mktemp -d "${TMPDIR:-/tmp}/exoset-fresh.XXXXXX")
cleanup() { [[ -n ${KEEP:-} ]] || rm -rf -- "$scratch"; }
trap cleanup EXIT

python3 -m venv "$scratch/venv" || {
    say "python3 -m venv failed: install python3-venv"
    exit 1
}
export PATH="$scratch/venv/bin:$scratch/cargo-tools/bin:$PATH"
export CARGO_INSTALL_ROOT=$scratch/cargo-tools
export CARGO_TARGET_DIR=$scratch/target
mkdir -p "$CARGO_INSTALL_ROOT"

# The premise: nothing is installed yet. If it were, the check would prove
# nothing, so say so and stop.
if "$scratch/venv/bin/python3" -m pip show ziglang >/dev/null 2>&1; then
    say "the fresh venv already has ziglang: the check cannot run here"
    exit 1
fi
if [[ -n $(cargo install --list) ]]; then
    say "the empty CARGO_INSTALL_ROOT lists tools: the check cannot run here"
    exit 1
fi
say "fresh venv: $scratch/venv; empty cargo root: $CARGO_INSTALL_ROOT; target: $CARGO_TARGET_DIR"

started=$SECONDS
bash scripts/tools.sh all
for tool in cargo-zigbuild cargo-deb; do
    found=$(command -v "$tool")
    [[ $found == "$CARGO_INSTALL_ROOT/bin/$tool" ]] || {
        say "$tool resolves to $found, not the fresh install"
        exit 1
    }
done
python3 -m ziglang version >/dev/null
"$CARGO_TARGET_DIR/openapi-venv/bin/schemathesis" --version >/dev/null
say "install steps passed on a fresh environment in $((SECONDS - started)) s"

if [[ -n $dist ]]; then
    bash scripts/dist.sh
    [[ -f dist/SHA256SUMS ]] || {
        say "dist.sh left no dist/SHA256SUMS"
        exit 1
    }
    ls "$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/exoset" >/dev/null
    bash scripts/check-dist.sh
    say "dist.sh built and checked with CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
fi
