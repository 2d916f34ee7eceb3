#!/usr/bin/env bash
# 100 tenants, --jobs 10, 300 ms latency per request, each profile's token
# from its own token_command: wall time and peak RSS of a fleet send, plain
# and with the rollout rules of issue #31 (--canary, --max-fail, the ceiling),
# and of `exoset rerun` after a run with failures.
#
#   bench/fleet-rollout.sh [RUNS] [LATENCY]    (default 3 runs each, 300ms)
#
# Needs only /usr/bin/time (GNU time, `-v`: "Elapsed (wall clock) time" and
# "Maximum resident set size"). Every run sets common.aparty_tag to a new
# value, so every tenant is really sent its PUT (the read, the re-read and
# the PUT: three requests per tenant, each LATENCY late).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
latency=${2:-300ms}
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }
cargo build --release --quiet
bin=$PWD/target/release/exoset
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" sim --port "$port" --tenants 100 --latency "$latency" >/dev/null 2>&1 &
sim=$!
home=$(mktemp -d)
out=$(mktemp)
trap 'kill $sim 2>/dev/null || true; rm -rf "$home" "$out"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

export EXOSET_HOME=$home
unset EXOSET_PROFILE EXOSET_BASE_URL EXOSET_TENANT_SID EXOSET_API_KEY EXOSET_API_TOKEN
echo "max_tenants_per_send = 50" >"$home/config.toml"
for i in $(seq 100); do
    printf '[profiles.t%03d]\ntenant_sid = "exoset-demo-%d"\napi_key = "demo-key"\nbase_url = "http://127.0.0.1:%d"\ntoken_command = "echo demo-token"\n\n' \
        "$i" "$i" "$port" >>"$home/config.toml"
done

# One measured run: prints "wall_seconds rss_kib exit_code".
measure() {
    local code=0
    /usr/bin/time -v "$@" >/dev/null 2>"$out" || code=$?
    python3 - "$out" "$code" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
parts = [float(p) for p in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
print(f"{secs:.3f} {rss} {sys.argv[2]}")
PY
}

row() { # name, then the command; RUNS runs, the median printed as a table row
    local name=$1; shift
    local results=()
    for _ in $(seq "$runs"); do
        results+=("$(measure "$@" "common.aparty_tag=r$(date +%s%N)")")
    done
    printf '%s\n' "${results[@]}" | python3 -c '
import statistics, sys
name = sys.argv[1]
rows = [l.split() for l in sys.stdin if l.strip()]
wall = [float(r[0]) for r in rows]; rss = [int(r[1]) for r in rows]; codes = ",".join(sorted({r[2] for r in rows}))
print(f"| {name} | {statistics.median(wall)*1000:.0f} ms | {min(wall)*1000:.0f} ms | {statistics.median(rss)/1024:.1f} MiB | {codes} |")
' "$name"
}

echo "latency per request: $latency; $runs runs each"
echo
echo "| run (100 tenants, --jobs 10) | median wall time | min | peak RSS (median) | exit |"
echo "| --- | --- | --- | --- | --- |"
row "set --yes --max-tenants 100" "$bin" --all-profiles --jobs 10 set --yes --max-tenants 100
row "… --max-fail 10%" "$bin" --all-profiles --jobs 10 set --yes --max-tenants 100 --max-fail 10%
row "… --canary 5 (then the other 95)" "$bin" --all-profiles --jobs 10 set --yes --max-tenants 100 --canary 5
row "ceiling refused (no --max-tenants)" "$bin" --all-profiles --jobs 10 set --yes
