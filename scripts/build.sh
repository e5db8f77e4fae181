#!/usr/bin/env bash
# Builds the release: the server always (cargo makes a no-op of it when
# nothing changed), the browser bundle (wasm, its split chunks, CSS, public
# files) only when something it is made from changed. cargo-leptos redoes
# wasm-bindgen, the split and wasm-opt on every build, about a minute even
# when nothing changed; a stamp of the bundle's inputs skips that.
set -euo pipefail
cd "$(dirname "$0")/.."

SITE=target/site
STAMP=target/front-inputs.sha256

# Everything the bundle is made from, and the tools that make it.
front_inputs() {
  {
    find app sync style public -type f -not -name '*.proptest-regressions' -print0 | sort -z | xargs -0 sha256sum
    sha256sum Cargo.toml Cargo.lock .cargo/config.toml scripts/build.sh
    rustc --version
    cargo leptos --version
    wasm-bindgen --version
    wasm-opt --version 2>/dev/null || true
  } | sha256sum | cut -d' ' -f1
}

# Panic locations in the wasm name dependencies' files by their path in the
# registry's folder: machine-specific, long, and downloaded by every phone.
wasm_flags=""
for registry in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  wasm_flags+=" --remap-path-prefix=$registry="
done
# At -O1 and above the linker merges identical strings and tail-merges them,
# so data symbols of different split modules share bytes; the splitter then
# finds a segment longer than it was and leaves all of it, every chunk's
# constant data, in the first module. Which way it falls flipped with small
# code changes: 176 or 217 KB served (leptos-rs/cargo-leptos#679). Unmerged
# strings cost the first module about 900 bytes, where unmerged segments
# (--no-merge-data-segments) cost 5,600.
wasm_flags+=" -C link-arg=-O0"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${wasm_flags# }"

wanted=$(front_inputs)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ] && [ -d "$SITE/pkg" ]; then
  echo "==> browser bundle unchanged since the last build: building the server only"
  cargo leptos build --release --precompress --split --server-only
else
  echo "==> building the server and the browser bundle (wasm, CSS)"
  rm -f "$STAMP"
  cargo leptos build --release --precompress --split
  # The stamp is written only after a whole build, so an interrupted one is redone.
  mkdir -p "$(dirname "$STAMP")"
  echo "$wanted" > "$STAMP"
fi
