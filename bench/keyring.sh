#!/usr/bin/env bash
# `exoset get --json` against the local simulator with the token from the
# environment, the Secret Service and the kernel keyring, side by side.
#
#   scripts/with-keyring.sh bench/keyring.sh [RUNS] [OTHER_BINARY...]
#
# Needs a Secret Service on the session bus (scripts/with-keyring.sh gives a
# throwaway one) and hyperfine. Builds the release binary unless BIN is set;
# each OTHER_BINARY (e.g. a build of an older commit) is measured the same way,
# for a before/after table. With EXOSET_KEYSTORE_TRACE=1 one extra run prints
# the Secret Service steps of the first binary.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
shift || true
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
[[ -n ${DBUS_SESSION_BUS_ADDRESS:-} ]] || { echo "no session bus: run under scripts/with-keyring.sh" >&2; exit 2; }
if [[ -z ${BIN:-} ]]; then
    cargo build --release --quiet
    BIN=target/release/exoset
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" sim --port "$port" >/dev/null 2>&1 &
sim=$!
home=$(mktemp -d)
profile_ss="bench-ss-$$"
profile_ku="bench-ku-$$"
cleanup() {
    kill $sim 2>/dev/null || true
    EXOSET_HOME=$home EXOSET_KEYSTORE=secret-service "$BIN" -p "$profile_ss" auth logout >/dev/null 2>&1 || true
    EXOSET_HOME=$home EXOSET_KEYSTORE=keyutils "$BIN" -p "$profile_ku" auth logout >/dev/null 2>&1 || true
    rm -rf "$home"
}
trap cleanup EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

export EXOSET_HOME=$home
unset EXOSET_API_TOKEN EXOSET_BASE_URL EXOSET_TENANT_SID EXOSET_API_KEY EXOSET_PROFILE
base="http://127.0.0.1:$port"
for p in "$profile_ss:secret-service" "$profile_ku:keyutils"; do
    echo demo-token | EXOSET_KEYSTORE=${p#*:} "$BIN" -p "${p%%:*}" auth login \
        --sid exoset-demo --api-key demo-key --base-url "$base" --token-stdin --no-verify >/dev/null 2>&1
done
printf '[profiles.env]\ntenant_sid = "exoset-demo"\napi_key = "demo-key"\nbase_url = "%s"\n' "$base" >>"$home/config.toml"

args=()
for bin in "$BIN" "$@"; do
    tag=$(basename "$bin")
    args+=(-n "$tag env" "env EXOSET_API_TOKEN=demo-token $bin -p env get --json")
    args+=(-n "$tag secret-service" "$bin -p $profile_ss get --json")
    args+=(-n "$tag keyutils" "env EXOSET_KEYSTORE=keyutils $bin -p $profile_ku get --json")
done
hyperfine -N --warmup 5 --runs "$runs" --export-json /tmp/exoset-keyring.json "${args[@]}" >/dev/null
python3 - <<'PY'
import json
rs = json.load(open("/tmp/exoset-keyring.json"))["results"]
env = {}
print(f"{'binary / token from':<34} {'median ms':>10} {'min ms':>8} {'× env':>6}")
for r in rs:
    tag, kind = r["command"].rsplit(" ", 1)
    if kind == "env":
        env[tag] = r["median"]
    print(f"{r['command']:<34} {r['median']*1000:>10.2f} {r['min']*1000:>8.2f} {r['median']/env[tag]:>6.2f}")
PY
if [[ ${EXOSET_KEYSTORE_TRACE:-} == 1 ]]; then
    "$BIN" -p "$profile_ss" get --json >/dev/null
fi
