#!/usr/bin/env bash
# One change across a fleet, against `exoset sim --tenants 100 --latency 300ms`:
# wall time beside a single-tenant run on the same simulator, how it grows
# with the number of tenants, and peak RSS at 100 tenants.
#
#   bench/fleet.sh [RUNS] [LATENCY]     (default 3 runs each, 300ms; needs hyperfine)
#
# Every run sets common.aparty_tag to a new value, so every tenant is really
# sent a PUT (the read, the re-read and the PUT: three requests per tenant,
# each LATENCY late). Each profile's token comes from its own token_command
# (`echo demo-token`): a fleet never uses EXOSET_API_TOKEN, so one shell is
# spawned per profile, one after another, as on a real fleet.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
latency=${2:-300ms}
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet
bin=$PWD/target/release/exoset
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" sim --port "$port" --tenants 100 --latency "$latency" >/dev/null 2>&1 &
sim=$!
home=$(mktemp -d)
trap 'kill $sim 2>/dev/null || true; rm -rf "$home"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

export EXOSET_HOME=$home
unset EXOSET_PROFILE EXOSET_BASE_URL EXOSET_TENANT_SID EXOSET_API_KEY EXOSET_API_TOKEN
for i in $(seq 100); do
    printf '[profiles.t%03d]\ntenant_sid = "exoset-demo-%d"\napi_key = "demo-key"\nbase_url = "http://127.0.0.1:%d"\ntoken_command = "echo demo-token"\n\n' \
        "$i" "$i" "$port" >>"$home/config.toml"
done
first() { seq -f 't%03g' 1 "$1" | paste -sd, -; }
value='common.aparty_tag=r$(date +%s%N)'

hyperfine --shell bash --runs "$runs" --export-json /tmp/exoset-fleet.json \
    -n "1 tenant (exoset -p t001 set)" "$bin -p t001 set $value --yes" \
    -n "10 tenants, --jobs 10" "$bin -p $(first 10) set $value --yes" \
    -n "30 tenants, --jobs 30" "$bin -p $(first 30) --jobs 30 set $value --yes" \
    -n "30 tenants, --jobs 10 (default)" "$bin -p $(first 30) set $value --yes" \
    -n "100 tenants, --jobs 100" "$bin --all-profiles --jobs 100 set $value --yes" \
    -n "100 tenants, --jobs 10 (default)" "$bin --all-profiles set $value --yes" \
    >/dev/null

rss() { # peak RSS in KiB of one run
    bash -c "/usr/bin/time -f %M $1 >/dev/null 2>/tmp/exoset-fleet-rss; tail -1 /tmp/exoset-fleet-rss"
}
rss100=$(rss "$bin --all-profiles --jobs 100 set $value --yes")
rss100d=$(rss "$bin --all-profiles set $value --yes")
rss1=$(rss "$bin -p t001 set $value --yes")

python3 - "$latency" "$rss1" "$rss100" "$rss100d" <<'PY'
import json, statistics, sys
latency, rss1, rss100, rss100d = sys.argv[1], *map(int, sys.argv[2:])
res = json.load(open("/tmp/exoset-fleet.json"))["results"]
one = statistics.median(res[0]["times"])
print(f"latency per request: {latency}\n")
print("| run | median wall time | min | × one tenant |")
print("| --- | --- | --- | --- |")
for r in res:
    m = statistics.median(r["times"])
    print(f"| {r['command']} | {m*1000:.0f} ms | {min(r['times'])*1000:.0f} ms | {m/one:.2f}× |")
print()
print(f"peak RSS: 1 tenant {rss1/1024:.1f} MiB; 100 tenants --jobs 100 {rss100/1024:.1f} MiB; "
      f"100 tenants --jobs 10 {rss100d/1024:.1f} MiB")
PY
