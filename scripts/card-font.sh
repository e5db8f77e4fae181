#!/usr/bin/env bash
# Makes the ad cards' font, public/fonts/noto-sans-{400,700}.woff2: Noto Sans
# (SIL Open Font License 1.1, public/fonts/OFL.txt) cut to the letters of
# Karakalpak, Uzbek (Latin and Cyrillic), Russian and English, with the
# punctuation and signs prices and addresses use. Run by hand when the letters
# change; the files are committed, so no build needs fonttools or the font.
# Needs Debian's fonts-noto-core and PyPI's fonttools and brotli.
set -euo pipefail
cd "$(dirname "$0")/.."
NOTO=/usr/share/fonts/truetype/noto
# Basic Latin and Latin-1; Karakalpak's ı İ Ń ń Ǵ ǵ (and Ğ ğ Ş ş in older spellings);
# Uzbek's ʻ ʼ; Cyrillic with Karakalpak's and Uzbek's Ғ Қ Ң Ү Ұ Ҳ Һ Ә Ө; dashes, quotes, …, №, →.
LETTERS="U+0020-007E,U+00A0-00FF,U+0130-0131,U+0143-0144,U+011E-011F,U+015E-015F,U+01F4-01F5,U+02BB-02BC,U+0301,U+0400-045F,U+0490-0493,U+049A-049B,U+04A2-04A3,U+04AE-04B3,U+04BA-04BB,U+04D8-04D9,U+04E8-04E9,U+2013-2014,U+2018-201E,U+2022,U+2026,U+2116,U+2192"
for weight in 400:Regular 700:Bold; do
  pyftsubset "$NOTO/NotoSans-${weight#*:}.ttf" --unicodes="$LETTERS" --flavor=woff2 --no-hinting --desubroutinize \
    --layout-features='kern,liga,ccmp,locl,mark,mkmk' --output-file="public/fonts/noto-sans-${weight%%:*}.woff2"
done
ls -l public/fonts/*.woff2
