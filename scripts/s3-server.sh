#!/usr/bin/env bash
# Installs s3s-fs (an S3-compatible server that keeps objects as files on disk,
# pure Rust, from crates.io) once under the build cache, and prints its path.
# Used only by `make cluster` and `make cluster-check`: photos must survive the
# store restarting, which rules out moto (it keeps everything in memory).
set -euo pipefail
root=${SAWDA_S3_ROOT:-$HOME/.cache/sawda/s3s-fs}
binary=$root/bin/s3s-fs
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
echo "==> installing s3s-fs 0.14.1 (an S3-compatible file server) into $root; a few minutes the first time" >&2
started=$(date +%s)
CARGO_TARGET_DIR="$root/target" cargo install s3s-fs --version 0.14.1 --features binary --locked --root "$root" >&2
rm -rf "$root/target"
echo "==> installed in $(( ($(date +%s) - started) / 60 )) min: $binary" >&2
echo "$binary"
