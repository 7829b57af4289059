#!/usr/bin/env bash
# The download pages behind the example nginx configuration
# (config/nginx-bdtx.conf) with the logins scripts/unit-logins makes: a real
# nginx on a loopback port serves the reports of two fixture weeks written
# with report.units: true, and curl shows that a unit's login gets its own
# folder's files and nothing else (401 for another unit's files and for the
# province's pages), that the Sở's login gets everything, that nobody gets
# in without a login, and that dot-named temporaries are never served. Then
# headless Chromium opens a unit's page and the province's page through the
# server, and every link of each resolves (200) with that page's login.
# Usage: nginx_units.sh BDTX FIXTURE [SCREENSHOT_DIR]
# Needs the PG* variables of a server (pg_virtualenv sets them), nginx and
# chromium (scripts/install-deps).
set -euo pipefail

bdtx=$1
fixture=$2
shots=${3:-}
. "$(dirname "$0")/../lib.sh"
root=$(cd "$here/../.." && pwd)
db_use "bdtx_nginx_$$"

for tool in nginx curl chromium openssl; do
    command -v "$tool" >/dev/null || { failure "$tool is missing (scripts/install-deps)"; test_done; }
done

fixture_config "$work/bdtx.yaml" \
    "s|^paths:.*|paths: { inbox: $work/inbox, archive: $work/archive, rejected: $work/rejected, reports: $work/reports }|" \
    "s|highlight: 3 }|highlight: 3, units: true }|"
mkdir "$work/inbox"
"$bdtx" "${conf[@]}" --quiet db migrate
for w in 0 1; do
    nfiles=$(jq ".weeks[$w].files | length" "$fixture/manifest.json")
    for ((f = 0; f < nfiles; f++)); do
        file=$(jq -r ".weeks[$w].files[$f].file" "$fixture/manifest.json")
        cp "$fixture/$file" "$work/inbox/"
    done
    "$bdtx" "${conf[@]}" --quiet run >/dev/null 2>&1 || [ $? = 1 ]
done
week=$(jq -r .week "$fixture/expected/week-02.json")
year=2020-2021
[ -s "$work/reports/$year/don-vi/20185/$week.xlsx" ] || failure "no pack for 20185 in $week"
# A temporary as a killed writer leaves it.
echo partial >"$work/reports/$year/don-vi/20185/.$week.xlsx.AbCdEf"

"$root/scripts/unit-logins" "$fixture/units.csv" "$work/logins" 2>"$work/logins.err"
pass() { awk -v u="$1" '$1 == u {print $2}' "$work/logins/new-passwords.txt"; }
so=$(pass so)
mine=$(pass 20185)
[ -n "$so" ] && [ -n "$mine" ] || failure "unit-logins made no password: $(cat "$work/logins.err")"
check "unit password files" "$(find "$work/logins/units" -name '*.htpasswd' | wc -l)" 34
# A second run keeps every password.
before=$(cat "$work/logins/units/20185.htpasswd")
"$root/scripts/unit-logins" "$fixture/units.csv" "$work/logins" 2>/dev/null
check "unit-logins again keeps the logins" "$(cat "$work/logins/units/20185.htpasswd")" "$before"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx"
sed -e "s|listen 80;|listen 127.0.0.1:$port;|" -e "s|root /var/lib/bdtx/reports;|root $work/reports;|" \
    -e "s|/etc/bdtx/logins|$work/logins|g" "$root/config/nginx-bdtx.conf" >"$work/nginx/site.conf"
{
    [ "$(id -u)" != 0 ] || echo "user root;"
    cat <<EOF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    include $work/nginx/site.conf;
}
EOF
} >"$work/nginx/nginx.conf"
nginx -t -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>"$work/nginx/test.err" \
    || failure "nginx rejects the example configuration: $(cat "$work/nginx/test.err")"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>>"$work/nginx/error.log" &
server=$!
at_exit "kill $server 2>/dev/null; wait $server 2>/dev/null"
for ((i = 0; i < 100; i++)); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.1
done

base=http://127.0.0.1:$port
# status USER:PASSWORD PATH -> the HTTP status ("-" for no login)
status() {
    local auth=()
    [ "$1" = - ] || auth=(-u "$1")
    curl -s --path-as-is -o /dev/null -w '%{http_code}' "${auth[@]}" "$base$2"
}
# expect_status WHO LOGIN PATH WANT...
expect_status() {
    local who=$1 login=$2 path=$3 got
    shift 3
    got=$(status "$login" "$path")
    for want in "$@"; do
        [ "$got" != "$want" ] || { passed=$((passed + 1)); return; }
    done
    failure "$who GET $path: $got, expected $*"
}

own=/$year/don-vi/20185
other=/$year/don-vi/20178
province=/$year/bdtx-20-$week
for path in "$own/index.html" "$own/" "$own/$week.xlsx" "$own/$week.txt"; do
    expect_status "unit 20185" "20185:$mine" "$path" 200
    expect_status "the Sở" "so:$so" "$path" 200
    expect_status "nobody" - "$path" 401
done
for path in "$other/index.html" "$other/$week.xlsx" "$other/$week.txt" \
            "$own/../20178/$week.xlsx" "/$year/don-vi/20178%2F$week.xlsx"; do
    expect_status "unit 20185" "20185:$mine" "$path" 401 403 404
done
for path in "$other/index.html" "$other/$week.xlsx" "$other/$week.txt"; do
    expect_status "the Sở" "so:$so" "$path" 200
done
for path in / /index.html "$province.xlsx" "$province.txt" "$province.json" "/$year/" "/$year/don-vi/"; do
    expect_status "unit 20185" "20185:$mine" "$path" 401 403
    expect_status "nobody" - "$path" 401
done
for path in / /index.html "$province.xlsx" "$province.txt" "$province.json"; do
    expect_status "the Sở" "so:$so" "$path" 200
done
expect_status "unit 20185 with a wrong password" "20185:x$mine" "$own/$week.xlsx" 401
expect_status "unit 20185" "20185:$mine" "$own/.$week.xlsx.AbCdEf" 403 404
expect_status "the Sở" "so:$so" "$own/.$week.xlsx.AbCdEf" 403 404
type=$(curl -s -o /dev/null -w '%{content_type}' -u "20185:$mine" "$base$own/$week.txt")
check "a notice's type" "$type" "text/plain; charset=utf-8"
disp=$(curl -s -D - -o /dev/null -u "20185:$mine" "$base$own/$week.xlsx" | tr -d '\r' \
    | awk -F': ' 'tolower($1) == "content-disposition" {print $2}')
check "a pack is downloaded" "$disp" "attachment"

# browse LOGIN URL_PATH NAME: the page in Chromium, through the server; every
# link it shows, resolved against the page, answers 200 with the same login.
browse() {
    local login=$1 path=$2 name=$3 n=0 url code
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/chromium" --dump-dom "http://$login@127.0.0.1:$port$path" \
        >"$work/$name.html" 2>/dev/null || true
    grep -q '<h1>' "$work/$name.html" || { failure "$name: Chromium did not load $path"; return; }
    python3 - "$work/$name.html" "$base$path" >"$work/$name.links" <<'EOF'
import html.parser, sys, urllib.parse
class Links(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            print(urllib.parse.urljoin(sys.argv[2], href))
Links().feed(open(sys.argv[1], encoding="utf-8").read())
EOF
    while read -r url; do
        code=$(curl -s -o /dev/null -w '%{http_code}' -u "$login" "$url")
        [ "$code" = 200 ] || failure "$name: link $url answers $code"
        n=$((n + 1))
    done <"$work/$name.links"
    [ "$n" -gt 0 ] || failure "$name: no link"
    echo "$name ($path): $n links, each answering 200"
    if [ -n "$shots" ]; then
        mkdir -p "$shots"
        chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --user-data-dir="$work/chromium" --window-size=1280,900 \
            --screenshot="$shots/$name.png" "http://$login@127.0.0.1:$port$path" >/dev/null 2>&1 || true
        [ -s "$shots/$name.png" ] || failure "no screenshot $shots/$name.png"
    fi
}
browse "20185:$mine" "$own/index.html" unit-page
check "the unit's page lists its weeks" "$(grep -c '<td data-label="Tuần">' "$work/unit-page.html")" 2
browse "so:$so" /index.html province-page
grep -q "bdtx-20-$week.txt" "$work/province-page.links" || failure "the province page does not link the notice"
# The unit's page links nothing outside its folder.
outside=$(grep -v "^$base$own/" "$work/unit-page.links" || true)
[ -z "$outside" ] || failure "the unit's page links outside its folder: $outside"
test_done nginx-units
