#!/usr/bin/env bash
# reports/index.html as a browser sees it (headless Chromium): every report
# file under the reports folder is linked, every link resolves to a file
# that is there, and the newest report opens through its link. Saves a
# desktop and a phone-sized screenshot.
# Usage: index_page.sh REPORTS_DIR WEEKS SCREENSHOT_DIR
set -euo pipefail

reports=$(cd "$1" && pwd)
weeks=$2
shots=$3
. "$(dirname "$0")/../lib.sh"
profile=$work

browser() {
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" "$@" 2>/dev/null
}

browser --dump-dom "file://$reports/index.html" >"$profile/dom.html"
grep -q '<h1>Kết quả bồi dưỡng thường xuyên hằng tuần</h1>' "$profile/dom.html" \
    || failure "the page did not load: $(head -c 300 "$profile/dom.html")"
rows=$(grep -c '<td data-label="Tuần">' "$profile/dom.html" || true)
[ "$rows" = "$weeks" ] || failure "$rows weeks listed, expected $weeks"

# Links as the browser resolved them, one per line, against the page's URL.
python3 - "$profile/dom.html" "file://$reports/index.html" >"$profile/links" <<'EOF'
import html.parser, sys, urllib.parse
class Links(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            print(urllib.parse.unquote(urllib.parse.urljoin(sys.argv[2], href))[len("file://"):])
Links().feed(open(sys.argv[1], encoding="utf-8").read())
EOF
while read -r target; do
    [ -f "$target" ] || failure "link to $target: no such file"
done <"$profile/links"
while read -r file; do
    grep -qxF "$file" "$profile/links" || failure "$file is not linked from index.html"
done < <(find "$reports" -mindepth 2 -type f \( -name '*.xlsx' -o -name '*.json' \) ! -name '.*' | sort)
echo "index.html: $rows weeks, $(wc -l <"$profile/links") links, each to a file that is there"

# The newest week's link opens its report.
newest=$(grep "\.json$" "$profile/links" | head -n 1)
browser --dump-dom "file://$newest" >"$profile/newest.html"
grep -q '"week": "' "$profile/newest.html" || failure "the first link did not open a report"

mkdir -p "$shots"
browser --window-size=1280,900 --screenshot="$shots/index-page.png" "file://$reports/index.html" >/dev/null
browser --window-size=412,915 --screenshot="$shots/index-page-phone.png" "file://$reports/index.html" >/dev/null
for s in index-page.png index-page-phone.png; do
    [ -s "$shots/$s" ] || failure "no screenshot $shots/$s"
done
echo "screenshots: $shots/index-page.png, $shots/index-page-phone.png"
test_done index-page
