#!/usr/bin/env bash
# Fuzzes the REST API with schemathesis: starts the built `trellis` binary on a
# free loopback port with a throwaway data directory, creates an admin and a
# token holding every scope, and runs every operation of the served OpenAPI
# document through schemathesis's checks (no 5xx, responses conform to their
# schemas, status codes, content types and headers are documented). Exits
# non-zero when a check fails. Prints `fuzz: N passed, M failed` (operations)
# last, which scripts/test.sh counts.
#
# Usage: scripts/fuzz-api.sh [extra schemathesis options]
#   TRELLIS_BIN      the binary (default target/debug/trellis, as `cargo test` builds it)
#   FUZZ_EXAMPLES    test cases per operation and phase (default 40)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
mkdir -p target

BIN="${TRELLIS_BIN:-$ROOT/target/debug/trellis}"
EXAMPLES="${FUZZ_EXAMPLES:-40}"
[ -x "$BIN" ] || { echo "no trellis binary at $BIN: run cargo build first" >&2; exit 2; }
ensure_schemathesis

DATA="$(mktemp -d)"
SERVER_PID=""
stop() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$DATA"
}
trap stop EXIT

PORT="$(free_port)"
export TRELLIS_DATA_DIR="$DATA" TRELLIS_LISTEN="127.0.0.1:$PORT" TRELLIS_PUBLIC_URL="http://127.0.0.1:$PORT"
export TRELLIS_LOG__LEVEL=warn TRELLIS_LOG__FORMAT=json
# The run targets one throwaway instance; its loopback address is the only client.
export TRELLIS_AUTH__MAX_SIGNUPS_PER_HOUR=100000

say "fuzz: starting trellis on 127.0.0.1:$PORT (data in $DATA)"
"$BIN" migrate >/dev/null
printf '%s' "fuzz-password-$(date +%s%N)" | "$BIN" admin create-user fuzzer --admin --password-stdin >/dev/null
TOKEN="$("$BIN" admin create-token fuzzer --scopes read,publish,webhooks,admin --name fuzzer)"
"$BIN" serve >"$ROOT/target/fuzz-server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$ROOT/target/fuzz-server.log"; exit 1; }
  sleep 0.2
done

say "fuzz: schemathesis $SCHEMATHESIS_VERSION over every operation ($EXAMPLES cases each)"
set +e
"$SCHEMATHESIS" run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --generation-with-security-parameters false \
  --max-examples "$EXAMPLES" \
  --workers 2 \
  --seed "${FUZZ_SEED:-1}" \
  --no-color \
  "$@" 2>&1 | tee "$ROOT/target/fuzz.log"
status=${PIPESTATUS[0]}
set -e

# The server must have stayed up and logged no internal error.
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "fuzz: the server died during the run" >&2
  status=1
fi
if grep -q '"level":"ERROR"' "$ROOT/target/fuzz-server.log"; then
  echo "fuzz: the server logged errors (target/fuzz-server.log):" >&2
  grep '"level":"ERROR"' "$ROOT/target/fuzz-server.log" | head -5 >&2
  status=1
fi

# schemathesis's summary line reads e.g. "34 operations tested, 33 passed, 1 failed".
summary="$(grep -E '[0-9]+ (passed|failed)' "$ROOT/target/fuzz.log" | tail -1 || true)"
passed="$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
failed="$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "fuzz: $passed passed, $failed failed"
exit "$status"
