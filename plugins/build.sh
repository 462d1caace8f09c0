#!/usr/bin/env bash
# Builds every crate of the plugins workspace (the plugin development kit, the template
# and the test plugins under testing/) for wasm32-unknown-unknown in release mode, then
# prints where the modules are and how big they are.
#
#   bash plugins/build.sh            # from anywhere
#
# Works offline once the dependencies are in cargo's cache (it then passes --offline);
# otherwise cargo fetches the versions pinned in plugins/Cargo.lock from crates.io.
# The modules always land in plugins/target/wasm32-unknown-unknown/release/, whatever
# CARGO_TARGET_DIR says, so crates/runtime/src/testkit.rs finds them.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

# Settings meant for the main (native) workspace must not leak into a wasm build.
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_BUILD_TARGET \
    CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR

target=wasm32-unknown-unknown
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    if command -v rustup >/dev/null 2>&1; then
        echo "build.sh: the $target target is missing: rustup target add $target" >&2
        exit 1
    fi
fi

offline=()
if cargo metadata --offline --locked --format-version 1 >/dev/null 2>&1; then
    offline=(--offline)
fi

start=$(date +%s)
cargo build --release --locked "${offline[@]}" --target "$target" --target-dir "$here/target" "$@"
end=$(date +%s)

out="$here/target/$target/release"
echo "built in $((end - start)) s; modules in $out:"
for f in "$out"/*.wasm; do
    printf '  %-32s %8d bytes\n' "$(basename "$f")" "$(wc -c <"$f")"
done
