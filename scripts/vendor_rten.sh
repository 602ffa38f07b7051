#!/usr/bin/env bash
# Re-creates vendor/rten: the crates.io release of rten 0.27.0 with
# vendor/rten.patch applied (see vendor/README.md). The docs/ folder stays:
# the crate includes it in its rustdoc.
#   bash scripts/vendor_rten.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.27.0
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# A throwaway package that depends on the release, so cargo fetches it
# through whichever registry it is configured for (this one's patch would
# hide it).
mkdir -p "$work/get/src" && touch "$work/get/src/lib.rs"
printf '[package]\nname = "get"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nrten = "=%s"\n' \
  "$version" > "$work/get/Cargo.toml"
(cd "$work/get" && cargo fetch --quiet)
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/rten-$version | head -1)
rm -rf vendor/rten
cp -r "$src" vendor/rten
rm -f vendor/rten/.cargo-ok vendor/rten/Cargo.lock
patch -s -d vendor/rten -p1 < vendor/rten.patch
echo "vendor/rten: rten $version with vendor/rten.patch"
