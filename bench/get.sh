#!/usr/bin/env bash
# Whole-process time and peak RSS of `exoset get --json` against the local
# simulator, side by side with curl doing the same GET.
#
#   bench/get.sh [RUNS]        (default 50 runs each; needs hyperfine, curl)
#
# Builds the release binary, starts `exoset sim` on a free loopback port, and
# reports hyperfine's median wall time and /usr/bin/time's peak RSS (median of
# the same number of runs).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet
bin=target/release/exoset
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" sim --port "$port" >/dev/null 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

export EXOSET_HOME=$(mktemp -d)
export EXOSET_BASE_URL="http://127.0.0.1:$port" EXOSET_TENANT_SID=exoset-demo \
       EXOSET_API_KEY=demo-key EXOSET_API_TOKEN=demo-token
url="$EXOSET_BASE_URL/v1/tenants/exoset-demo/settings"
exoset_cmd="$bin get --json"
curl_cmd="curl -s -u demo-key:demo-token -H 'Accept: application/json' $url"

export exoset_cmd curl_cmd
hyperfine -N --warmup 5 --runs "$runs" --export-json /tmp/exoset-get.json \
    -n "exoset get --json" "$exoset_cmd" -n "curl" "$curl_cmd" >/dev/null
python3 - "$runs" <<'PY'
import json, statistics, subprocess, sys, os, shlex
runs = int(sys.argv[1])
data = json.load(open("/tmp/exoset-get.json"))["results"]
def rss(cmd):
    vals = []
    for _ in range(runs):
        p = subprocess.run(["/usr/bin/time", "-f", "%M"] + shlex.split(cmd),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        vals.append(int(p.stderr.strip().splitlines()[-1]))
    return statistics.median(vals) / 1024
cmds = {"exoset get --json": os.environ["exoset_cmd"], "curl": os.environ["curl_cmd"]}
print(f"{'command':<20} {'median ms':>10} {'min ms':>8} {'peak RSS MiB (median)':>22}")
for r in data:
    print(f"{r['command']:<20} {r['median']*1000:>10.2f} {r['min']*1000:>8.2f} {rss(cmds[r['command']]):>22.1f}")
PY
