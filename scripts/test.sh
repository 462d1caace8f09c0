#!/usr/bin/env bash
# Sets up whatever the tests need and runs every test of the project:
# unit and integration tests on SQLite + filesystem storage, the same suite on
# PostgreSQL + a real S3-compatible server, the wasm dependency check, the API
# fuzzer (schemathesis, scripts/fuzz-api.sh) against a running server, and the
# browser test against the built app in headless Chromium.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
mkdir -p target

cleanup() {
  [ -n "${MOTO_PID:-}" ] && kill "$MOTO_PID" 2>/dev/null || true
}
trap cleanup EXIT

ensure_leptos_tools
ensure_chromium
ensure_end2end_deps
ensure_schemathesis
# Exports WEBHOOK_TEST_PYTHON (standardwebhooks, for the webhook signature test).
ensure_test_python

say "checking formatting (cargo fmt)"
cargo fmt --all --check

say "checking that the browser build holds no server crate"
bash scripts/check-wasm-deps.sh

say "tests on SQLite + filesystem storage"
env -u TRELLIS_TEST_POSTGRES_URL -u TRELLIS_TEST_S3_ENDPOINT cargo test --workspace --exclude trellis-frontend 2>&1 | tee target/test-sqlite.log

# The API fuzzer against the binary the test run above built (a real process
# on a throwaway SQLite data directory). A failure is counted, not fatal, so the
# remaining runners still report.
say "API fuzzer (schemathesis) over every operation of /api/v1/openapi.json"
bash scripts/fuzz-api.sh 2>&1 | tee target/test-fuzz.log || true

ensure_postgres
ensure_s3
say "tests on PostgreSQL + S3"
# The same command as above, so every artifact is reused.
cargo test --workspace --exclude trellis-frontend 2>&1 | tee target/test-postgres.log
drop_test_databases

# The server binary was built by the test run above (it is what the CLI tests
# run); only the browser bundle is missing.
say "building the browser bundle for the browser test"
cargo leptos build --frontend-only
say "browser test (headless Chromium)"
(cd end2end && TRELLIS_BIN="$ROOT/target/debug/trellis" TRELLIS_SITE_ROOT="$ROOT/target/site" node --test tests/) 2>&1 | tee target/test-browser.log

# One closing line over every runner above.
passed=$(cat target/test-sqlite.log target/test-postgres.log | awk '/^test result:/ { s += $4 } END { print s + 0 }')
failed=$(cat target/test-sqlite.log target/test-postgres.log | awk '/^test result:/ { s += $6 } END { print s + 0 }')
passed=$((passed + $(awk '/^# pass / { print $3 }' target/test-browser.log)))
failed=$((failed + $(awk '/^# fail / { print $3 }' target/test-browser.log)))
fuzz_passed=$(awk '/^fuzz: [0-9]+ passed/ { print $2 }' target/test-fuzz.log | tail -1)
passed=$((passed + ${fuzz_passed:-0}))
fuzz_failed=$(awk '/^fuzz: [0-9]+ passed/ { print $4 }' target/test-fuzz.log | tail -1)
failed=$((failed + ${fuzz_failed:-1}))
if [ "$failed" -ne 0 ]; then
  echo "total: $passed passed, $failed failed"
  exit 1
fi
say "all tests passed"
echo "total: $passed passed, $failed failed"
