#!/usr/bin/env bash
# Installs what building and testing Sawda needs, only what is missing.
# Safe to run again and again; prints what it does.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
# cargo-leptos 0.3.11 needs a newer rustc than some machines have; it gets its own.
CARGO_LEPTOS_TOOLCHAIN=1.96

say() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: the browser for end-to-end tests, brotli for the size report;
# with --bench also nginx (what buyers' pages are measured against) and wrk.
bench=false
[ "${1:-}" = "--bench" ] && bench=true
missing_debs=()
command -v chromium >/dev/null 2>&1 || missing_debs+=(chromium)
command -v brotli >/dev/null 2>&1 || missing_debs+=(brotli)
command -v curl >/dev/null 2>&1 || missing_debs+=(curl)
if $bench; then
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing_debs+=(nginx-light)
  command -v wrk >/dev/null 2>&1 || missing_debs+=(wrk)
fi
if [ ${#missing_debs[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing_debs[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing_debs[@]}"
  # The nginx package starts a system server on port 80; the bench starts its own.
  if $bench; then as_root service nginx stop >/dev/null 2>&1 || true; fi
else
  say "the Debian packages are installed"
fi

# Tools installed by cargo live here; make it so when run on its own, too.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
command -v rustup >/dev/null 2>&1 || { echo "rustup is missing: install Rust with rustup first" >&2; exit 1; }
command -v cargo >/dev/null 2>&1 || { echo "cargo is missing: install Rust with rustup first" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Node.js 20 or newer first" >&2; exit 1; }

# The project's Rust (rust-toolchain.toml). A machine whose stable Rust is that
# very version uses it as it is, with nothing to download.
pinned=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
host=$(cd / && rustup show | sed -n 's/^Default host: //p')
if rustup toolchain list | grep -q "^$pinned-"; then
  say "Rust $pinned (rust-toolchain.toml) is installed"
elif [ "$(cd / && rustup run stable rustc --version 2>/dev/null | awk '{print $2}')" = "$pinned" ]; then
  say "Rust $pinned (rust-toolchain.toml) is this machine's stable Rust: using it"
  ln -s "$(cd / && rustup run stable rustc --print sysroot)" "${RUSTUP_HOME:-$HOME/.rustup}/toolchains/$pinned-$host"
else
  say "installing Rust $pinned (rust-toolchain.toml)"
  (cd / && rustup toolchain install "$pinned" --profile minimal --component rustfmt,clippy --target wasm32-unknown-unknown)
fi
for component in rustfmt clippy; do
  rustup component list --installed | grep -q "^$component" || { say "adding $component"; rustup component add "$component"; }
done

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Rust target wasm32-unknown-unknown is installed"
else
  say "adding Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# Tools are built into their own temporary directory, not the project's build cache.
if [ "$(cargo leptos --version 2>/dev/null || true)" = "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  say "cargo-leptos $CARGO_LEPTOS_VERSION is installed"
else
  say "building cargo-leptos $CARGO_LEPTOS_VERSION (once; about 15 minutes on 2 cores)"
  rustup toolchain install "$CARGO_LEPTOS_TOOLCHAIN" --profile minimal
  env -u CARGO_TARGET_DIR cargo "+$CARGO_LEPTOS_TOOLCHAIN" install cargo-leptos \
    --version "$CARGO_LEPTOS_VERSION" --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly, or
# cargo-leptos tries to download one. (`--locked` fails for it on crates.io today.)
if [ ! -f Cargo.lock ]; then
  say "resolving dependencies (Cargo.lock)"
  cargo generate-lockfile
fi
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen $bindgen_version" ]; then
  say "wasm-bindgen $bindgen_version is installed"
else
  say "building wasm-bindgen-cli $bindgen_version (once; a few minutes)"
  env -u CARGO_TARGET_DIR cargo install wasm-bindgen-cli --version "=$bindgen_version" --force
fi

# npm: Playwright (driving Debian's chromium, never a downloaded browser) and
# binaryen, whose wasm-opt cargo-leptos runs on release builds.
if [ -f end2end/node_modules/.package-lock.json ] \
  && [ end2end/node_modules/.package-lock.json -nt end2end/package-lock.json ]; then
  say "end2end npm packages are installed"
else
  say "installing end2end npm packages"
  (cd end2end && npm ci --no-audit --no-fund)
fi
# Lighthouse, for `make bench PARTS=lighthouse` only: outside the clone, in
# the build cache, so `make test` never downloads it.
if $bench; then
  lighthouse_dir="${SAWDA_CACHE:-$HOME/.cache/sawda}/lighthouse-12.2.3"
  if [ -x "$lighthouse_dir/node_modules/.bin/lighthouse" ]; then
    say "lighthouse is installed"
  else
    say "installing lighthouse 12.2.3 (once, for the bench)"
    mkdir -p "$lighthouse_dir"
    npm install --prefix "$lighthouse_dir" --no-audit --no-fund --no-save lighthouse@12.2.3
  fi
fi
say "tools ready"
