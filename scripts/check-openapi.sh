#!/usr/bin/env bash
# Checks assets/openapi.json with third-party tools:
#   1. openapi-spec-validator: the document is valid OpenAPI 3;
#   2. schemathesis: `exoset sim` answers as the document says (no server
#      errors, every answer matching its status's schema, documented statuses
#      and content types), for a bounded, seeded number of generated requests.
# The tools go into a venv under the target folder (pinned, installed once,
# by scripts/tools.sh). Exits
# non-zero on any finding. Usage: bash scripts/check-openapi.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SPEC=assets/openapi.json
MAX_EXAMPLES=${OPENAPI_MAX_EXAMPLES:-100}
SEED=${OPENAPI_SEED:-20240907}

tools_me=$(basename "$0")
# shellcheck source=scripts/tools.sh
source scripts/tools.sh
target=$(target_dir)
VENV=$(openapi_venv)
echo "== openapi tools (venv $VENV)"
tools_openapi

echo "== openapi-spec-validator $SPEC"
"$VENV/bin/openapi-spec-validator" "$SPEC"

echo "== exoset binary"
# A no-op when target/debug/exoset is current (CI's tests have just built it);
# a stale binary would test yesterday's simulator.
cargo build --quiet --bin exoset
EXOSET=$target/debug/exoset

work=$(mktemp -d)
sim_pid=
cleanup() {
    if [[ -n $sim_pid ]]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== exoset sim"
mkdir -p "$work/home"
EXOSET_HOME="$work/home" "$EXOSET" sim --port 0 >"$work/sim.log" 2>&1 &
sim_pid=$!
url=
for _ in $(seq 1 100); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/sim.log" | head -n 1 || true)
    [[ -n $url ]] && break
    if ! kill -0 "$sim_pid" 2>/dev/null; then
        cat "$work/sim.log" >&2
        echo "check-openapi: the simulator did not start" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z $url ]]; then
    echo "check-openapi: the simulator printed no URL" >&2
    exit 1
fi
echo "simulator at $url"

# The path parameter is always the demo tenant: any other SID is a 403. No
# crash cache: it would land in the work tree and replay old failures.
cat >"$work/schemathesis.toml" <<'EOF'
[cache]
enabled = false

[parameters]
"path.tenant_sid" = "exoset-demo"
EOF

echo "== schemathesis ($MAX_EXAMPLES examples per operation, seed $SEED)"
status=0
"$VENV/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$SPEC" \
    --url "$url" \
    --auth demo-key:demo-token \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --generation-database none \
    --workers 1 \
    --request-timeout 10 \
    --no-color ||
    status=$?

if [[ $status -ne 0 ]]; then
    echo "check-openapi: schemathesis reported findings (exit $status); the simulator's log:" >&2
    tail -n 40 "$work/sim.log" >&2
    exit 1
fi
echo "check-openapi: ok"
