#!/usr/bin/env bash
# Re-creates vendor/rten: the crates.io release of rten 0.27.0 (fetched by
# cargo into its registry cache) with vendor/rten.patch applied (see
# vendor/README.md). The docs/ folder stays: the crate includes it in its
# rustdoc.
#   bash scripts/vendor_rten.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.27.0
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/rten-$version 2>/dev/null | head -1)
if [[ -z $src ]]; then
  # Not in the cache yet: have cargo fetch it (the registry is all it needs).
  cargo fetch --quiet
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/rten-$version | head -1)
fi
rm -rf vendor/rten
cp -r "$src" vendor/rten
rm -f vendor/rten/.cargo-ok vendor/rten/Cargo.lock
patch -d vendor/rten -p1 < vendor/rten.patch
echo "vendor/rten: rten $version with vendor/rten.patch"
