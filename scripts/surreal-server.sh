#!/usr/bin/env bash
# Builds SurrealDB's own server (`surreal`) from cluster/surreal once, into its
# own target directory under the build cache, and prints its path. Long the
# first time (about 80 CPU-minutes on this machine's 2 cores, measured by a
# trial build); then a few seconds. Not part of `make run` or `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${SAWDA_SURREAL_TARGET:-$HOME/.cache/sawda/surreal-target}
binary=$target/release/surreal
if [ -x "$binary" ] && [ "$binary" -nt cluster/surreal/Cargo.toml ] && [ "$binary" -nt cluster/surreal/src/main.rs ]; then
  echo "$binary"
  exit 0
fi
echo "==> building SurrealDB's server (surrealdb-server 3.3.5: memory and SurrealKV storage) into $target" >&2
echo "    the first build takes the better part of an hour on 2 cores; cargo prints each crate as it goes" >&2
started=$(date +%s)
cargo build --release --locked --manifest-path cluster/surreal/Cargo.toml --target-dir "$target" >&2
echo "==> built in $(( ($(date +%s) - started) / 60 )) min: $binary" >&2
echo "$binary"
