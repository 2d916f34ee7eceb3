#!/usr/bin/env bash
# Run a command with a throwaway, unlocked Secret Service (gnome-keyring) on a
# private D-Bus session bus, and with the kernel keyring tools at hand.
#
#   scripts/with-keyring.sh CMD [ARG...]
#   e.g.  EXOSET_REQUIRE_KEYRING=1 scripts/with-keyring.sh cargo test --test keystore
#
# What it does:
#   1. Installs what is missing (Debian/Ubuntu, non-interactive, as root or with
#      password-less sudo): dbus (dbus-run-session, dbus-daemon, dbus-send),
#      gnome-keyring, keyutils, and, if the archive has it, libsecret-tools
#      (secret-tool, handy for debugging; not needed by the tests).
#   2. Starts a new session bus with dbus-run-session (the command gets its own
#      DBUS_SESSION_BUS_ADDRESS; nothing of a desktop session is touched).
#   3. Starts gnome-keyring-daemon (secrets component only) on that bus with
#      HOME, XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME and XDG_RUNTIME_DIR
#      pointed into a temporary folder, and unlocks its new "login" keyring with
#      a throwaway password, so no real keyring is read or written.
#   4. Exports what the daemon prints (GNOME_KEYRING_CONTROL, ...), runs CMD
#      with the caller's own HOME (so cargo and rustup are found as usual),
#      then stops the daemon and removes the temporary folder.
#
# The exit status is CMD's. Works as root on a host without a desktop.
set -euo pipefail

me=$(basename "$0")
die() {
    printf '%s: %s\n' "$me" "$*" >&2
    exit 125
}

if [[ $# -eq 0 || $1 == -h || $1 == --help ]]; then
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
    [[ $# -eq 0 ]] && exit 2
    exit 0
fi

# --- inner half: runs inside dbus-run-session ------------------------------
if [[ ${_EXOSET_WITH_KEYRING_INNER:-} == 1 ]]; then
    unset _EXOSET_WITH_KEYRING_INNER
    [[ -n ${DBUS_SESSION_BUS_ADDRESS:-} ]] || die "dbus-run-session gave no DBUS_SESSION_BUS_ADDRESS"

    tmp=$(mktemp -d "${TMPDIR:-/tmp}/exoset-keyring.XXXXXX")
    mkdir -m 700 "$tmp/home" "$tmp/data" "$tmp/config" "$tmp/cache" "$tmp/run"
    daemon_pid=
    # shellcheck disable=SC2317  # called through the trap
    cleanup() {
        if [[ -n $daemon_pid ]]; then
            kill "$daemon_pid" 2>/dev/null || true
            wait "$daemon_pid" 2>/dev/null || true
        fi
        rm -rf -- "$tmp"
    }
    trap cleanup EXIT

    # --foreground keeps the daemon our child, so we know its pid and can stop
    # it; it reads the password from stdin and prints its environment to stdout.
    printf '%s' "throwaway-$$-$RANDOM" |
        HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" \
            XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run" \
            gnome-keyring-daemon --foreground --unlock --components=secrets \
            >"$tmp/env" 2>"$tmp/daemon.log" &
    daemon_pid=$!

    # Wait (up to ~10 s) until the daemon owns org.freedesktop.secrets.
    owned=
    for _ in $(seq 1 100); do
        if dbus-send --session --print-reply --dest=org.freedesktop.DBus \
            /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
            string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
            owned=1
            break
        fi
        kill -0 "$daemon_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z $owned ]]; then
        cat "$tmp/daemon.log" >&2 || true
        die "gnome-keyring-daemon did not come up on the session bus"
    fi

    # Export what the daemon printed (NAME=VALUE lines).
    while IFS= read -r line; do
        [[ $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && export "${line?}"
    done <"$tmp/env"

    # Run the command; keep its status, then clean up through the trap.
    status=0
    "$@" || status=$?
    exit "$status"
fi

# --- outer half: make sure the tools are there, then start the bus ---------
missing=()
command -v dbus-run-session >/dev/null 2>&1 || missing+=(dbus)
command -v dbus-send >/dev/null 2>&1 || missing+=(dbus)
command -v gnome-keyring-daemon >/dev/null 2>&1 || missing+=(gnome-keyring)
command -v keyctl >/dev/null 2>&1 || missing+=(keyutils)
optional=()
command -v secret-tool >/dev/null 2>&1 || optional+=(libsecret-tools)

# The optional package is only tried along with a needed one, so that a
# machine that has everything it needs never waits for apt-get. (dbus-x11 is
# not needed: dbus-run-session starts the bus, no dbus-launch.)
if [[ ${#missing[@]} -gt 0 ]]; then
    sudo_cmd=()
    can_install=
    if [[ $(id -u) -eq 0 ]]; then
        can_install=1
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo_cmd=(sudo -n)
        can_install=1
    fi
    command -v apt-get >/dev/null 2>&1 || can_install=
    if [[ -n $can_install ]]; then
        # De-duplicate (dbus may be named twice).
        mapfile -t pkgs < <(printf '%s\n' "${missing[@]}" | sed '/^$/d' | sort -u)
        echo "$me: installing ${pkgs[*]} ${optional[*]}" >&2
        log=$(mktemp)
        apt() {
            "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@" >>"$log" 2>&1
        }
        apt update -qq || echo "$me: apt-get update failed; trying the install anyway" >&2
        if [[ ${#pkgs[@]} -gt 0 ]] && ! apt install -y -qq --no-install-recommends "${pkgs[@]}"; then
            cat "$log" >&2
            rm -f "$log"
            die "apt-get install ${pkgs[*]} failed"
        fi
        if [[ ${#optional[@]} -gt 0 ]] && ! apt install -y -qq --no-install-recommends "${optional[@]}"; then
            echo "$me: optional ${optional[*]} not installed; going on" >&2
        fi
        rm -f "$log"
    else
        die "missing ${missing[*]}: install them, or run as root (or with password-less sudo) on a system with apt-get"
    fi
fi

for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is still missing"
done

export _EXOSET_WITH_KEYRING_INNER=1
exec dbus-run-session -- bash "${BASH_SOURCE[0]}" "$@"
