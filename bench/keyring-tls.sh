#!/usr/bin/env bash
# `exoset get --json` over HTTPS with the token from the environment, the
# Secret Service and the kernel keyring, side by side: the case where the
# keyring read runs while the client is built and TLS is set up.
#
#   scripts/with-keyring.sh bench/keyring-tls.sh [RUNS] [LATENCY]
#
# A TLS front (socat, from apt) with a certificate from a throwaway CA
# (SSL_CERT_FILE points exoset at it) sits before `exoset sim --latency
# LATENCY` (default 50ms: the server's own time per request). Needs
# hyperfine and openssl; builds the release binary unless BIN is set.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
latency=${2:-50ms}
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
command -v socat >/dev/null || apt-get install -y socat >/dev/null
[[ -n ${DBUS_SESSION_BUS_ADDRESS:-} ]] || { echo "no session bus: run under scripts/with-keyring.sh" >&2; exit 2; }
if [[ -z ${BIN:-} ]]; then
    cargo build --release --quiet
    BIN=target/release/exoset
fi
tmp=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sim_port=$(free_port)
tls_port=$(free_port)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.pem" -days 1 \
    -subj /CN=exoset-bench-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/leaf.csr" -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$tmp/ext.cnf"
openssl x509 -req -in "$tmp/leaf.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
    -out "$tmp/cert.pem" -days 1 -extfile "$tmp/ext.cnf" 2>/dev/null
"$BIN" sim --port "$sim_port" --latency "$latency" >/dev/null 2>&1 &
sim=$!
socat "OPENSSL-LISTEN:$tls_port,reuseaddr,fork,cert=$tmp/cert.pem,key=$tmp/key.pem,verify=0" \
    "TCP:127.0.0.1:$sim_port" 2>/dev/null &
front=$!
export EXOSET_HOME=$tmp/home SSL_CERT_FILE=$tmp/ca.pem
profile_ss="tls-ss-$$"
profile_ku="tls-ku-$$"
cleanup() {
    EXOSET_KEYSTORE=secret-service "$BIN" -p "$profile_ss" auth logout >/dev/null 2>&1 || true
    EXOSET_KEYSTORE=keyutils "$BIN" -p "$profile_ku" auth logout >/dev/null 2>&1 || true
    kill $front $sim 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
sleep 0.5
unset EXOSET_API_TOKEN EXOSET_BASE_URL EXOSET_TENANT_SID EXOSET_API_KEY EXOSET_PROFILE
base="https://localhost:$tls_port"
for p in "$profile_ss:secret-service" "$profile_ku:keyutils"; do
    echo demo-token | EXOSET_KEYSTORE=${p#*:} "$BIN" -p "${p%%:*}" auth login \
        --sid exoset-demo --api-key demo-key --base-url "$base" --token-stdin >/dev/null
done
printf '[profiles.env]\ntenant_sid = "exoset-demo"\napi_key = "demo-key"\nbase_url = "%s"\n' "$base" >>"$EXOSET_HOME/config.toml"
hyperfine -N --warmup 5 --runs "$runs" --export-json /tmp/exoset-keyring-tls.json \
    -n "env" "env EXOSET_API_TOKEN=demo-token $BIN -p env get --json" \
    -n "secret-service" "$BIN -p $profile_ss get --json" \
    -n "keyutils" "env EXOSET_KEYSTORE=keyutils $BIN -p $profile_ku get --json" >/dev/null
python3 - "$latency" <<'PY'
import json, sys
rs = json.load(open("/tmp/exoset-keyring-tls.json"))["results"]
env = rs[0]["median"]
print(f"HTTPS, server latency {sys.argv[1]}")
print(f"{'token from':<16} {'median ms':>10} {'min ms':>8} {'× env':>6}")
for r in rs:
    print(f"{r['command']:<16} {r['median']*1000:>10.2f} {r['min']*1000:>8.2f} {r['median']/env:>6.2f}")
PY
