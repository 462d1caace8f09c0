#!/usr/bin/env bash
# Sets up whatever the tests need and runs every test of the project:
# unit and integration tests on SQLite + filesystem storage, the same suite on
# PostgreSQL + a real S3-compatible server, the wasm dependency check, the
# plugins' unit tests (plugins/ workspace), the API fuzzer (schemathesis,
# scripts/fuzz-api.sh) against a running server, and the browser test against
# the built app in headless Chromium.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
mkdir -p target
# A failing test prints its message and location, not a backtrace of the test
# harness: what CI shows of a run is its beginning and its end, and a long
# backtrace would push the message out of that end.
export RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0

cleanup() {
  [ -n "${MOTO_PID:-}" ] && kill "$MOTO_PID" 2>/dev/null || true
  [ -n "${FRONT_PID:-}" ] && kill "$FRONT_PID" 2>/dev/null || true
  [ -n "${PLUGINS_PID:-}" ] && kill "$PLUGINS_PID" 2>/dev/null || true
}
trap cleanup EXIT

ensure_disk_space
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

# The browser bundle for the browser test, built beside the API fuzzer: the
# fuzzer (schemathesis, in Python) keeps about one of the two cores busy and the
# wasm build takes what is left. It has a target directory of its own
# (target/front), so it never waits on the test builds' lock.
say "building the browser bundle (in the background, beside the API fuzzer)"
cargo leptos build --frontend-only >target/frontend-build.log 2>&1 &
FRONT_PID=$!

# The API fuzzer against the binary the test run above built (a real process
# on a throwaway SQLite data directory). A failure is counted, not fatal, so the
# remaining runners still report.
say "API fuzzer (schemathesis) over every operation of /api/v1/openapi.json"
bash scripts/fuzz-api.sh 2>&1 | tee target/test-fuzz.log || true

say "waiting for the browser bundle"
if ! wait "$FRONT_PID"; then
  FRONT_PID=""
  cat target/frontend-build.log
  echo "the browser bundle did not build" >&2
  exit 1
fi
FRONT_PID=""
tail -n 3 target/frontend-build.log

ensure_postgres
ensure_s3
# The plugins' own unit tests (the separate plugins/ workspace, built natively
# in plugins/target), beside the PostgreSQL tests, which leave a core mostly idle
# while they wait on the database.
say "plugin unit tests (plugins/ workspace, in the background)"
(cd plugins && env -u CARGO_TARGET_DIR cargo test --workspace --locked) >target/test-plugins.log 2>&1 &
PLUGINS_PID=$!
say "tests on PostgreSQL + S3"
# The same command as above, so every artifact is reused.
cargo test --workspace --exclude trellis-frontend 2>&1 | tee target/test-postgres.log
if ! wait "$PLUGINS_PID"; then
  PLUGINS_PID=""
  tail -n 40 target/test-plugins.log
  echo "the plugins' unit tests failed (target/test-plugins.log)" >&2
  exit 1
fi
PLUGINS_PID=""
# Dropping the few hundred test databases is PostgreSQL's disk work, not ours:
# it runs while the browser test does.
drop_test_databases &
DROP_PID=$!

# The server binary was built by the test runs above (it is what the CLI tests
# run) and the browser bundle beside the fuzzer.
say "browser test (headless Chromium)"
(cd end2end && TRELLIS_BIN="$ROOT/target/debug/trellis" TRELLIS_SITE_ROOT="$ROOT/target/site" node --test tests/) 2>&1 | tee target/test-browser.log
wait "$DROP_PID" || true

# One closing line over every runner above.
logs="target/test-sqlite.log target/test-postgres.log target/test-plugins.log"
passed=$(cat $logs | awk '/^test result:/ { s += $4 } END { print s + 0 }')
failed=$(cat $logs | awk '/^test result:/ { s += $6 } END { print s + 0 }')
passed=$((passed + $(awk '/^# pass / { print $3 }' target/test-browser.log)))
failed=$((failed + $(awk '/^# fail / { print $3 }' target/test-browser.log)))
fuzz_passed=$(awk '/^fuzz: [0-9]+ passed/ { print $2 }' target/test-fuzz.log | tail -1)
passed=$((passed + ${fuzz_passed:-0}))
fuzz_failed=$(awk '/^fuzz: [0-9]+ passed/ { print $4 }' target/test-fuzz.log | tail -1)
failed=$((failed + ${fuzz_failed:-1}))
if [ "$failed" -ne 0 ]; then
  echo "total: $passed passed, $failed failed ($SECONDS s)"
  exit 1
fi
say "all tests passed"
echo "total: $passed passed, $failed failed ($SECONDS s)"
