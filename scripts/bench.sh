#!/usr/bin/env bash
# Runs the benchmarks (docs/benchmarks.md): installs wrk and nginx if missing,
# builds the release bench (and the site assets when cargo-leptos is installed, or
# always with --site, which installs it), then runs `trellis-bench http` and
# `trellis-bench registry`.
# Extra arguments (e.g. --quick) are passed to both.
#
#   scripts/bench.sh            # full run, a few minutes
#   scripts/bench.sh --quick    # shorter runs, for a smoke test
#   scripts/bench.sh --site     # install cargo-leptos if needed and build target/site first
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

site=0
args=()
for a in "$@"; do
  case "$a" in
    --site) site=1 ;;
    *) args+=("$a") ;;
  esac
done

ensure_bench_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]} (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

command -v cargo >/dev/null || ensure_rust
ensure_bench_tools

# The stylesheet the http benchmark serves comes from target/site (cargo leptos build,
# set up as scripts/run.sh does); without it the benchmark serves style/main.css as is,
# at the same path, and says so.
if [ ! -f target/site/pkg/trellis.css ]; then
  if [ "$site" = 1 ] || cargo leptos --version 2>/dev/null | grep -q '0.3.11'; then
    ensure_leptos_tools
    say "building the site assets (cargo leptos build --release)"
    cargo leptos build --release ||
      say "the site build failed: /pkg/trellis.css will be style/main.css"
  else
    say "cargo-leptos not installed: /pkg/trellis.css will be style/main.css (scripts/bench.sh --site builds the real one)"
  fi
fi

say "building the benchmark (release)"
cargo build --release -p trellis-bench

say "trellis-bench http ${args[*]:-}"
./target/release/trellis-bench http "${args[@]}"
say "trellis-bench registry ${args[*]:-}"
./target/release/trellis-bench registry "${args[@]}"
