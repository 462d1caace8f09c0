#!/usr/bin/env bash
# Fails if the browser (wasm) build depends on any server-only crate.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(tokio|sqlx|sqlx-core|tantivy|wasmtime|reqwest|object_store|argon2|axum|trellis-db|trellis-platform|trellis-registry|extism) '
tree="$(cargo tree -p trellis-frontend --target wasm32-unknown-unknown -e normal --prefix none --no-dedupe | sort -u)"
if bad="$(grep -E "$forbidden" <<<"$tree")"; then
  echo "server crates in the wasm build:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "wasm build is clean: $(wc -l <<<"$tree") crates, none server-only"
