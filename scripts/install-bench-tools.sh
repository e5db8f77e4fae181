#!/usr/bin/env bash
# What `make bench` needs beyond `make test`: Debian's nginx (the static
# server the buyers' pages are measured against) and wrk (the load tool).
# Only what is missing; safe to run again.
set -euo pipefail

say() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v gzip >/dev/null 2>&1 || missing+=(gzip)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages for the benchmarks: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  # The package starts a system nginx on port 80; the bench starts its own.
  as_root systemctl disable --now nginx >/dev/null 2>&1 || as_root service nginx stop >/dev/null 2>&1 || true
else
  say "nginx, wrk and gzip are installed"
fi
