#!/usr/bin/env bash
# The status page in headless Chromium: the DOM the browser built from httpd-host's page holds
# the process table with its rows (the browser parsed the page as HTML, and the escaped name
# stayed text). Exits 77 (skipped) when no chromium is installed (scripts/deps installs it).
# Usage: httpd_browser_test.sh <httpd-host>
set -uo pipefail
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
  echo "SKIPPED (NOT TESTED): no chromium (scripts/deps installs Debian's chromium)"
  exit 77
fi
source "$(dirname "$0")/httpd_lib.sh"
profile=$(mktemp -d)
trap 'httpd_stop; rm -rf "$profile"' EXIT
httpd_start "$1" || exit 1
dom=$(timeout -k 5 60 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
        --dump-dom "http://127.0.0.1:$HTTPD_PORT/" 2>/dev/null)
fails=0
check() { if grep -q "$2" <<<"$dom"; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi; }
check "process table in the DOM" '<table id="processes">'
check "a process row" '<td>EchoServer</td><td>demo.EchoServer</td><td>running</td>'
check "the escaped name is text" 'Mallory&lt;script&gt;'
check "the class table" '<table id="classes">'
if grep -q '<script>' <<<"$dom"; then echo "FAIL: markup from a name"; fails=$((fails + 1)); fi
echo "httpd_host_chromium: $fails failed"
((fails == 0))
