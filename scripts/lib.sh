# Shared setup steps for scripts/run.sh and scripts/test.sh. Each step is
# idempotent: it checks first and installs only what is missing.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
export PATH="$HOME/.cargo/bin:$TOOLS/node_modules/.bin:$PATH"

# Each step says when it started, in seconds into the run: where a slow run spent its time.
say() { printf '\033[1;34m==>\033[0m [%4ds] %s\n' "$SECONDS" "$*"; }

# The wasm-bindgen version the lock file pins: the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_rust() {
  # C parts of the build (SQLite is bundled and compiled with it).
  if ! command -v cc >/dev/null; then
    say "installing a C toolchain (build-essential)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential >/dev/null
  fi
  if ! command -v cargo >/dev/null; then
    say "installing Rust"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  fi
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_leptos_tools() {
  ensure_rust
  if ! cargo leptos --version 2>/dev/null | grep -q '0.3.11'; then
    say "installing cargo-leptos 0.3.11 (about 18 minutes, once)"
    cargo install cargo-leptos --version 0.3.11 --locked --ignore-rust-version
  fi
  local want
  want="$(wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
    say "installing wasm-bindgen-cli $want (about 4 minutes, once)"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
  if ! "$TOOLS/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q 'version 132'; then
    say "installing wasm-opt (npm binaryen@132)"
    mkdir -p "$TOOLS"
    [ -f "$TOOLS/package.json" ] || echo '{ "name": "trellis-tools", "private": true }' >"$TOOLS/package.json"
    (cd "$TOOLS" && npm install --no-audit --no-fund binaryen@132 >/dev/null)
  fi
}

ensure_chromium() {
  if ! [ -x /usr/bin/chromium ]; then
    say "installing Chromium (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
}

ensure_end2end_deps() {
  if ! [ -d "$ROOT/end2end/node_modules/playwright-core" ]; then
    say "installing end2end dependencies (playwright-core; no browser download)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund >/dev/null)
  fi
}

# A cold test run writes about 18 GB: target/ (13 GB of debug builds, 1.4 GB
# for the browser build in target/front), plugins/target, the plugin projects
# the CLI tests build under $TMPDIR, and the per-test PostgreSQL databases. A
# disk that fills up halfway fails every test after that moment with messages
# that never name the cause, so the run refuses to start instead, saying how
# much is free. What target/ and plugins/target already hold counts as written.
ensure_disk_space() {
  local need_kb=$((20 * 1024 * 1024)) built_kb dir free_kb
  # (du fails for a directory not built yet: the sum is over those that exist.)
  built_kb=$({ du -sk "$ROOT/target" "$ROOT/plugins/target" 2>/dev/null || true; } | awk '{ s += $1 } END { print s + 0 }')
  need_kb=$((need_kb > built_kb ? need_kb - built_kb : 0))
  for dir in "$ROOT" "${TMPDIR:-/tmp}"; do
    free_kb=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
    if [ "$free_kb" -lt "$need_kb" ]; then
      echo "only $((free_kb / 1048576)) GB free on the disk holding $dir; this test run needs about $((need_kb / 1048576 + 1)) GB more (remove old target directories or clones to make room)" >&2
      exit 1
    fi
  done
}

# Starts the machine's PostgreSQL 15 and sets a password for loopback logins.
ensure_postgres() {
  if ! command -v pg_ctlcluster >/dev/null; then
    say "installing PostgreSQL"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  local cluster
  cluster="$(pg_lsclusters -h | awk 'NR==1 { print $1" "$2 }')"
  # shellcheck disable=SC2086
  pg_ctlcluster $cluster start 2>/dev/null || true
  local port
  port="$(pg_lsclusters -h | awk 'NR==1 { print $3 }')"
  for _ in $(seq 1 50); do
    su postgres -c "psql -p $port -qAtc 'select 1'" >/dev/null 2>&1 && break
    sleep 0.2
  done
  su postgres -c "psql -p $port -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  PG_PORT="$port"
  drop_test_databases
  export TRELLIS_TEST_POSTGRES_URL="postgres://postgres:postgres@127.0.0.1:$port/postgres"
}

# Drops the databases test runs create (one per test, `trellis_test_*`): left
# behind, hundreds of them keep autovacuum busy and slow the machine down.
drop_test_databases() {
  su postgres -c "psql -p $PG_PORT -qAtc \"select datname from pg_database where datname like 'trellis_test_%'\"" |
    while read -r db; do su postgres -c "psql -p $PG_PORT -qc 'DROP DATABASE \"$db\" WITH (FORCE)'" >/dev/null; done
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Starts a real S3-compatible server (moto) on a free loopback port.
ensure_s3() {
  if ! python3 -c 'import moto.server, flask' 2>/dev/null; then
    say "installing moto[server] (S3-compatible test server)"
    python3 -m pip install -q "moto[server]"
  fi
  local port
  port="$(free_port)"
  # Run the module rather than the console script: no PATH or shim refresh needed.
  python3 -m moto.server -H 127.0.0.1 -p "$port" >"$ROOT/target/moto.log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
    sleep 0.2
  done
  export TRELLIS_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
}

SCHEMATHESIS_VERSION=4.32.5

# schemathesis (the API fuzzer) in its own virtualenv under .tools, so its
# dependencies never meet moto's.
ensure_schemathesis() {
  local venv="$TOOLS/schemathesis"
  if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q " $SCHEMATHESIS_VERSION\$"; then
    say "installing schemathesis $SCHEMATHESIS_VERSION (API fuzzer)"
    mkdir -p "$TOOLS"
    if ! python3 -m venv "$venv" 2>/dev/null; then
      # Debian's python3 needs its venv package for this.
      rm -rf "$venv"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  export SCHEMATHESIS="$venv/bin/schemathesis"
}

STANDARDWEBHOOKS_VERSION=1.1.0

# Python with the reference `standardwebhooks` package (PyPI), in its own
# virtualenv at .tools/py: the webhook tests check that Trellis's signatures
# verify with it (server/tests/it/webhooks_standard.rs).
ensure_test_python() {
  local venv="$TOOLS/py"
  if ! "$venv/bin/python" -c "import importlib.metadata as m, standardwebhooks.webhooks; assert m.version('standardwebhooks') == '$STANDARDWEBHOOKS_VERSION'" 2>/dev/null; then
    say "installing standardwebhooks $STANDARDWEBHOOKS_VERSION (Python, for the webhook signature tests)"
    mkdir -p "$TOOLS"
    if ! [ -x "$venv/bin/python" ] && ! python3 -m venv "$venv" 2>/dev/null; then
      # Debian's python3 needs its venv package for this.
      rm -rf "$venv"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q "standardwebhooks==$STANDARDWEBHOOKS_VERSION"
  fi
  # Not TRELLIS_*: trellis refuses unknown TRELLIS_* variables, and this one is exported.
  export WEBHOOK_TEST_PYTHON="$venv/bin/python"
}
