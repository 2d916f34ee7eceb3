#!/usr/bin/env bash
# Installs the tools the release build and the checks need, each only when it
# is missing, at a pinned version, saying what it installs and, when a step
# fails, which tool and why. Safe under `set -euo pipefail` on a machine that
# has none of them (no ziglang in the Python, no cargo-installed tools).
#
#   scripts/tools.sh dist        ziglang (PyPI), cargo-zigbuild and cargo-deb
#                                (crates.io), objdump (binutils, apt-get)
#   scripts/tools.sh man         man-db (apt-get)
#   scripts/tools.sh openapi     schemathesis and openapi-spec-validator in a
#                                venv under the target folder
#   scripts/tools.sh all         all three
#
# Also sourced by scripts/dist.sh, scripts/check-dist.sh and
# scripts/check-openapi.sh (`source scripts/tools.sh` defines the functions
# and installs nothing). The keyring packages are installed by
# scripts/with-keyring.sh, which scripts/test.sh runs.
#
# Where things go: `python3 -m pip` installs into the first python3 on PATH
# (a venv when one is active); `cargo install` into CARGO_INSTALL_ROOT, else
# CARGO_HOME, else ~/.cargo, whose bin/ is put on PATH if it is not there.

ZIGLANG_VERSION=0.17.1
CARGO_ZIGBUILD_VERSION=0.24.1
CARGO_DEB_VERSION=3.8.0
SCHEMATHESIS_VERSION=4.32.5
VALIDATOR_VERSION=0.9.0

tools_me=${tools_me:-tools.sh}
tools_say() { printf '%s: %s\n' "$tools_me" "$*" >&2; }
tools_fail() { # TOOL WHY
    tools_say "cannot install $1: $2"
    exit 1
}

# The target folder cargo builds into: CARGO_TARGET_DIR, build.target-dir in
# a cargo config, or target/ of the workspace. Read from cargo itself.
target_dir() {
    local dir
    dir=$(cargo metadata --no-deps --format-version 1 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])') ||
        dir=
    [[ -n $dir ]] || dir=${CARGO_TARGET_DIR:-target}
    printf '%s\n' "$dir"
}

tools_python() {
    local python
    python=$(command -v python3 || command -v python || true)
    [[ -n $python ]] || tools_fail python3 "no python3 on PATH (needed for ziglang from PyPI and the OpenAPI tools)"
    printf '%s\n' "$python"
}

# apt-get install PACKAGE… as root or with password-less sudo.
tools_apt() {
    local sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo -n)
    command -v apt-get >/dev/null 2>&1 || tools_fail "$*" "apt-get is not here; install $* by hand"
    if [[ ${#sudo_cmd[@]} -gt 0 ]] && ! sudo -n true 2>/dev/null; then
        tools_fail "$*" "not root and no password-less sudo; install $* by hand"
    fi
    tools_say "installing $* (apt-get)"
    local log
    log=$(mktemp)
    if ! "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1; then
        tools_say "apt-get update failed; trying the install anyway"
    fi
    if ! "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -f "$log"
        tools_fail "$*" "apt-get install failed (its last lines are above)"
    fi
    rm -f "$log"
}

# The version of a PyPI package in PYTHON, or nothing when it is absent.
# (`pip show` exits 1 for an absent package: that is an answer, not a failure.)
pip_version() { # PYTHON PACKAGE
    "$1" -m pip show "$2" 2>/dev/null | sed -n 's/^Version: //p' || true
}

# The bin/ folder `cargo install` writes to.
cargo_bin_dir() {
    if [[ -n ${CARGO_INSTALL_ROOT:-} ]]; then
        printf '%s/bin\n' "$CARGO_INSTALL_ROOT"
    else
        printf '%s/bin\n' "${CARGO_HOME:-$HOME/.cargo}"
    fi
}

cargo_tool() { # NAME VERSION
    local list bin
    bin=$(cargo_bin_dir)
    case ":$PATH:" in
    *":$bin:"*) ;;
    *) export PATH="$bin:$PATH" ;;
    esac
    # Read the list whole: `grep -q` on a pipe may close it early, and under
    # pipefail cargo's SIGPIPE would read as "not installed".
    list=$(cargo install --list 2>/dev/null || true)
    if grep -qx "$1 v$2:" <<<"$list" && command -v "$1" >/dev/null 2>&1; then
        return 0
    fi
    tools_say "installing $1 $2 from crates.io into $bin (a few minutes: it is compiled here)"
    cargo install --locked --quiet "$1" --version "$2" ||
        tools_fail "$1" "cargo install $1 --version $2 failed (its errors are above)"
    command -v "$1" >/dev/null 2>&1 || tools_fail "$1" "installed, but not found on PATH in $bin"
}

tools_dist() {
    local python have
    python=$(tools_python)
    have=$(pip_version "$python" ziglang)
    if [[ $have != "$ZIGLANG_VERSION" ]]; then
        tools_say "installing ziglang $ZIGLANG_VERSION from PyPI into $python (found: ${have:-none})"
        "$python" -m pip install --quiet --disable-pip-version-check "ziglang==$ZIGLANG_VERSION" ||
            tools_fail ziglang "pip install ziglang==$ZIGLANG_VERSION failed (its errors are above)"
    fi
    "$python" -m ziglang version >/dev/null 2>&1 ||
        tools_fail ziglang "installed, but \`$python -m ziglang version\` does not run"
    cargo_tool cargo-zigbuild "$CARGO_ZIGBUILD_VERSION"
    cargo_tool cargo-deb "$CARGO_DEB_VERSION"
    command -v objdump >/dev/null 2>&1 || tools_apt binutils
    command -v objdump >/dev/null 2>&1 || tools_fail objdump "binutils installed, but no objdump on PATH"
}

tools_man() {
    command -v man >/dev/null 2>&1 || tools_apt man-db
    command -v man >/dev/null 2>&1 || tools_fail man "man-db installed, but no man on PATH"
}

# The OpenAPI tools live in a venv of their own under the target folder.
openapi_venv() { printf '%s/openapi-venv\n' "$(target_dir)"; }

tools_openapi() {
    local venv python
    venv=$(openapi_venv)
    if "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$" &&
        [[ $(pip_version "$venv/bin/python" openapi-spec-validator) == "$VALIDATOR_VERSION" ]]; then
        return 0
    fi
    python=$(tools_python)
    tools_say "installing schemathesis $SCHEMATHESIS_VERSION and openapi-spec-validator $VALIDATOR_VERSION into $venv"
    "$python" -m venv "$venv" || tools_fail schemathesis "python3 -m venv $venv failed (is python3-venv installed?)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$VALIDATOR_VERSION" ||
        tools_fail schemathesis "pip install into $venv failed (its errors are above)"
}

# Run as a script: install what is asked for.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    cd "$(dirname "$0")/.."
    tools_me=$(basename "$0")
    [[ $# -gt 0 ]] || {
        sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
        exit 2
    }
    for what in "$@"; do
        case $what in
        dist) tools_dist ;;
        man) tools_man ;;
        openapi) tools_openapi ;;
        all) tools_dist && tools_man && tools_openapi ;;
        *)
            tools_say "unknown step '$what' (dist, man, openapi or all)"
            exit 2
            ;;
        esac
    done
    tools_say "ready: $*"
fi
