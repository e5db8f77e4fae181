#!/usr/bin/env bash
# What a phone downloads on its first visit to the home page (drawn without the
# app) and to a page that runs the app: each file raw and as Sawda serves it
# (brotli), against the budget of 200,000 bytes (the goal is 150,000). Sizes
# are deterministic, so this is a check: either over the budget prints the
# first module's largest items and exits non-zero (`make test` runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:?usage: size-report.sh PATH-TO-SAWDA}
budget=200000
goal=150000

data=$(mktemp -d)
out=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data" "$out"' EXIT
SAWDA_ADDR=127.0.0.1:0 SAWDA_DATA="$data" SAWDA_DB=mem:// SAWDA_SITE="$PWD/target/site" RUST_LOG=warn \
  timeout 120 "$binary" >"$out" &
pid=$!
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$out" || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "sawda did not start" >&2; exit 1; }

# The bundle is served under /pkg/<release>/ (server/src/http/release.rs); the pages name it.
pkg=$(curl -sf "$url/studio" | grep -o '/pkg/[0-9a-f]\{16\}' | head -1)
[ -n "$pkg" ] || { echo "the studio names no /pkg/<release>/ bundle" >&2; exit 1; }
# Prints each path's size raw and served; leaves the served total in $total_served.
measure() {
  printf '%-44s %12s %12s\n' "file" "raw bytes" "served (br)"
  local total_raw=0 raw served path
  total_served=0
  for path in "$@"; do
    raw=$(curl -sf -H 'Accept-Encoding: identity' "$url$path" | wc -c)
    served=$(curl -sf -H 'Accept-Encoding: br' "$url$path" | wc -c)
    printf '%-44s %12d %12d\n' "$path" "$raw" "$served"
    total_raw=$((total_raw + raw))
    total_served=$((total_served + served))
  done
  printf '%-44s %12d %12d\n' "total" "$total_raw" "$total_served"
}
# The home page is drawn without the app (app/src/shell.rs): it loads its
# stylesheet and icons, then registers the service worker.
if curl -sf "$url/" | grep -q 'sawda\.wasm'; then
  echo "the home page loads the app: it should not (PAGES_WITHOUT_THE_APP)" >&2
  exit 1
fi
echo "First visit to the home page (drawn without the app):"
measure / $pkg/sawda.css /favicon.svg /manifest.webmanifest /sw.js
home_served=$total_served
# The JS glue's static imports (the wasm-split loader) load with it; split chunks load later, on demand.
imports=$(grep -o 'from *"\./[^"]*\.js"' target/site/pkg/sawda.js | sed "s|.*\"\./|$pkg/|; s|\"\$||" | sort -u || true)
echo
echo "First visit to a page that runs the app (the studio), before its page's own chunks:"
measure /studio $pkg/sawda.css $pkg/sawda.js $imports $pkg/sawda.wasm /favicon.svg /manifest.webmanifest
app_served=$total_served
on_demand=$(find target/site/pkg -name '*.wasm' ! -name sawda.wasm | wc -l)
echo "($on_demand more wasm chunks load only when a page that needs them opens)"
# After the page is shown, the service worker keeps the whole release for offline use.
kept=0
for path in $(curl -sf "$url/sw.js" | head -1 | grep -o '"/pkg/[^"]*"' | tr -d '"'); do
  kept=$((kept + $(curl -sf -H 'Accept-Encoding: br' "$url$path" | wc -c)))
done
echo "then, in the background, the service worker keeps the whole release for offline use: $kept bytes served (br)"
echo
echo "home page: $home_served bytes served (budget $budget, goal $goal)"
echo "a page that runs the app: $app_served bytes served (budget $budget, goal $goal)"
total_served=$(( home_served > app_served ? home_served : app_served ))
if [ "$total_served" -le "$budget" ]; then
  echo "both within the budget of $budget bytes served (the larger has $((budget - total_served)) to spare; the goal is $goal)"
else
  echo "OVER the budget of $budget bytes served by $((total_served - budget))"
  # The split's first module before wasm-opt keeps its function names.
  named="${CARGO_TARGET_DIR:-target}/front/wasm32-unknown-unknown/wasm-release/app_split.wasm"
  if [ -f "$named" ]; then
    echo "largest items of the first module (scripts/wasm-top.py):"
    python3 scripts/wasm-top.py "$named" 20
  fi
  exit 1
fi
