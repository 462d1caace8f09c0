#!/usr/bin/env bash
# Fuzzes the REST API with schemathesis: starts the built `trellis` binary on a
# free loopback port with a throwaway data directory, creates an admin and a
# token holding every scope, and runs every operation of the served OpenAPI
# document through schemathesis's checks (no 5xx, responses conform to their
# schemas, status codes, content types and headers are documented, invalid
# input is refused, resources are gone after DELETE, auth is enforced). Exits
# non-zero when a check fails. Prints `fuzz: N passed, M failed` (API
# operations) last, which scripts/test.sh counts.
#
# Usage: scripts/fuzz-api.sh [extra schemathesis options]
#   TRELLIS_BIN      the binary (default target/debug/trellis, as `cargo test` builds it)
#   FUZZ_EXAMPLES    test cases per operation and phase (default 100)
#   FUZZ_SEED        the random seed (default 1: the same run every time)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
mkdir -p target

BIN="${TRELLIS_BIN:-$ROOT/target/debug/trellis}"
EXAMPLES="${FUZZ_EXAMPLES:-100}"
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
# The run makes thousands of writes a minute as one user: keep the write limit out of its way.
export TRELLIS_API__WRITES_PER_MINUTE=1000000000
# Webhook endpoints the run creates point anywhere: their first attempt is a week
# away, so no delivery (and no DNS lookup) leaves this machine during the run.
export TRELLIS_WEBHOOKS__RETRY_SCHEDULE=7d

say "fuzz: starting trellis on 127.0.0.1:$PORT (data in $DATA)"
"$BIN" migrate >/dev/null
printf "%s" "throwaway pass phrase $(date +%s%N)" | "$BIN" admin create-user fuzzer --admin --password-stdin >/dev/null
printf "%s" "stand-in pass phrase $(date +%s%N)" | "$BIN" admin create-user decoy --password-stdin >/dev/null
DECOY="$("$BIN" admin create-token decoy --scopes read --name decoy)"
# The decoy also reviews the seed plugin (a review is published content: `publish` scope).
DECOY_PUB="$("$BIN" admin create-token decoy --scopes read,publish --name decoy-reviews)"
"$BIN" serve >"$ROOT/target/fuzz-server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$ROOT/target/fuzz-server.log"; exit 1; }
  sleep 0.2
done
API="http://127.0.0.1:$PORT/api/v1"
# `DELETE /tokens/{id}` may name the fuzzer's own token: tokens of another user
# take the small ids first, so its id is one the fuzzer is unlikely to guess.
for i in $(seq 1 300); do
  curl -fsS -o /dev/null -X POST "$API/tokens" -H "Authorization: Bearer $DECOY" \
    -H 'content-type: application/json' -d "{\"name\":\"decoy $i\",\"scopes\":[\"read\"]}"
done
TOKEN="$("$BIN" admin create-token fuzzer --scopes read,publish,webhooks,plugins,admin --name fuzzer)"
# The ids of the run's own token and of one of the decoy's (see scripts/fuzz-api-hooks.py).
token_id() { sed -E "s/.*\"id\":([0-9]+),\"name\":\"$1\".*/\1/"; }
export FUZZ_OWN_TOKEN_ID="$(curl -fsS "$API/tokens" -H "Authorization: Bearer $TOKEN" | token_id fuzzer)"
export FUZZ_OTHER_TOKEN_ID="$(curl -fsS "$API/tokens" -H "Authorization: Bearer $DECOY" | token_id decoy)"
for v in "$FUZZ_OWN_TOKEN_ID" "$FUZZ_OTHER_TOKEN_ID"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "fuzz: could not read the token ids from GET /api/v1/tokens" >&2; exit 1; }
done

# Seed data: a namespace and a published plugin for the operations to find.
curl -fsS -o /dev/null -X POST "$API/namespaces" -H "Authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -d '{"name":"fuzz"}'
PKG="$DATA/pkg"
mkdir -p "$PKG"
cat >"$PKG/plugin.toml" <<'TOML'
schema_version = 1

[plugin]
id = "fuzz.hello"
display_name = "Fuzz Hello"
version = "0.1.0"
kind = "agent"
description = "Seed plugin of the API fuzz run."
license = "MIT"
api = "^1"

[runtime]
entry = "plugin.wasm"
exports = ["run"]
TOML
printf '# Fuzz Hello\n\nSeed plugin.\n' >"$PKG/README.md"
# The smallest module exporting `run`: () -> () with an empty body.
printf '\x00asm\x01\x00\x00\x00\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x07\x07\x01\x03run\x00\x00\x0a\x04\x01\x02\x00\x0b' >"$PKG/plugin.wasm"
tar -czf "$DATA/fuzz-hello.tar.gz" -C "$PKG" plugin.toml README.md plugin.wasm
curl -fsS -o /dev/null -X PUT "$API/plugins" -H "Authorization: Bearer $TOKEN" \
  -H 'content-type: application/gzip' --data-binary "@$DATA/fuzz-hello.tar.gz"
# Downloaded once, it can no longer be deleted: the run keeps its seed.
curl -fsS -o /dev/null "$API/plugins/fuzz.hello/versions/0.1.0/download"

# A webhook endpoint and a message for the webhook operations to find.
HOOK="$(curl -fsS -X POST "$API/webhooks/endpoints" -H "Authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -d '{"url":"https://hooks.example.invalid/fuzz","namespace":"fuzz"}')"
HOOK_ID="$(printf '%s' "$HOOK" | sed -E 's/.*"id":"(ep_[A-Z0-9]+)".*/\1/')"
MSG="$(curl -fsS -X POST "$API/webhooks/endpoints/$HOOK_ID/test" -H "Authorization: Bearer $TOKEN")"
MSG_ID="$(printf '%s' "$MSG" | sed -E 's/.*"id":"(msg_[A-Z0-9]+)".*/\1/')"
REVIEW="$(curl -fsS -X POST "$API/plugins/fuzz.hello/reviews" -H "Authorization: Bearer $DECOY_PUB" \
  -H 'content-type: application/json' -d '{"stars":4,"title":"Seed review","text":"Seed review of the fuzz run."}')"
REVIEW_ID="$(printf '%s' "$REVIEW" | sed -E 's/.*"id":([0-9]+).*/\1/')"
# An installation of the seed plugin in the namespace's workspace.
INST="$(curl -fsS -X POST "$API/workspaces/fuzz/installations" -H "Authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -d '{"plugin":"fuzz.hello","consent":true}')"
INST_ID="$(printf '%s' "$INST" | sed -E 's/.*"id":"(ins_[0-9a-f]+)".*/\1/')"
[[ "$INST_ID" =~ ^ins_[0-9a-f]+$ ]] || { echo "fuzz: could not install the seed plugin: $INST" >&2; exit 1; }
sed -e "s/@HOOK_ID@/$HOOK_ID/; s/@MSG_ID@/$MSG_ID/; s/@REVIEW_ID@/$REVIEW_ID/; s/@INST_ID@/$INST_ID/" "$ROOT/scripts/fuzz-api.toml" >"$DATA/fuzz-api.toml"

# The served document must be the checked-in one. schemathesis reads it from a
# file: loading it from its URL would leave out the operation that serves it.
curl -fsS -o "$DATA/openapi.json" "$API/openapi.json"
if ! cmp -s "$DATA/openapi.json" "$ROOT/docs/openapi.json"; then
  echo "fuzz: the served document differs from docs/openapi.json; regenerate it with" >&2
  echo "  TRELLIS_UPDATE_OPENAPI=1 cargo test -p trellis-server --test it openapi" >&2
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi

# Every check but positive_data_acceptance, which expects any schema-valid
# request to succeed: opaque cursors, minisign keys, package archives and
# resolvable plugin sets cannot be described by a schema, so their refusals
# are correct 4xx answers, not findings.
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance
CHECKS+=,response_headers_conformance,response_schema_conformance,negative_data_rejection
CHECKS+=,missing_required_header,unsupported_method,use_after_free
CHECKS+=,ensure_resource_availability,ignored_auth

say "fuzz: schemathesis $SCHEMATHESIS_VERSION over every operation ($EXAMPLES cases each)"
set +e
# Fresh Idempotency-Key values in the stateful phase (see the file).
export SCHEMATHESIS_HOOKS="$ROOT/scripts/fuzz-api-hooks.py"
"$SCHEMATHESIS" --config-file "$DATA/fuzz-api.toml" run "$DATA/openapi.json" \
  --url "http://127.0.0.1:$PORT" \
  --header "Authorization: Bearer $TOKEN" \
  --checks "${FUZZ_CHECKS:-$CHECKS}" \
  --max-examples "$EXAMPLES" \
  --workers 2 \
  --seed "${FUZZ_SEED:-1}" \
  --no-color \
  "$@" 2>&1 | tee "$ROOT/target/fuzz.log"
status=${PIPESTATUS[0]}
set -e

# The fuzzer may revoke its own token (DELETE /tokens/{id} with its id): say so,
# since every later request then only exercised the 401 path.
if ! curl -fs -o /dev/null "$API/me" -H "Authorization: Bearer $TOKEN"; then
  echo "fuzz: note: the run revoked its own token part-way" >&2
fi

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

# Count operations: schemathesis's summary says "Tested: N"; each failing
# operation heads its failure report with "___ METHOD /path ___".
tested="$(awk '/^ *Tested: [0-9]+/ { print $2 }' "$ROOT/target/fuzz.log" | tail -1)"
failed="$(grep -cE '^_+ (GET|PUT|POST|PATCH|DELETE) /' "$ROOT/target/fuzz.log" || true)"
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then failed=1; fi
passed=$(( ${tested:-0} - ${failed:-0} ))
[ "$passed" -lt 0 ] && passed=0
echo "fuzz: $passed passed, ${failed:-0} failed"
exit "$status"
