#!/usr/bin/env bash
# Regenerates vendor/v4l2-sys-mit/src/v4l2_bindings.rs with the upstream crate's own
# build script (bindgen). Needs libclang: `apt-get install libclang-dev`. See vendor/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo new -q --vcs none "$tmp/gen"
echo 'v4l2-sys-mit = "=0.3.0"' >> "$tmp/gen/Cargo.toml"
cargo build -q --manifest-path "$tmp/gen/Cargo.toml"
cp "$(ls "$tmp"/gen/target/debug/build/v4l2-sys-mit-*/out/v4l2_bindings.rs | head -1)" vendor/v4l2-sys-mit/src/v4l2_bindings.rs
echo "updated vendor/v4l2-sys-mit/src/v4l2_bindings.rs"
