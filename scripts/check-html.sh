#!/usr/bin/env bash
# Checks hospital-twin's HTML reports in a real browser (headless Chromium, Debian's package):
#   - the page loads with no console message and no JavaScript error;
#   - it asks for no external resource (no src= or href= to http, //, or a file);
#   - every chart mark's number (data-value) equals the number in its table's cell with the same data-key;
#   - every mark is drawn where its number says: a bar's rendered height is data-factor × value, a dot's centre
#     is data-origin + data-factor × value (within 0.05 px), so the picture shows what the table says;
#   - it prints: Chromium's print to PDF gives a PDF of at least one page.
# Usage: scripts/check-html.sh REPORT.html...   Exits 1 on any failure, naming the file and the mark.
set -euo pipefail
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
    echo "check-html: Chromium is not installed (apt-get install -y chromium)" >&2
    exit 2
fi
# The chart rule is stated once, in chart-check.js; here it runs when the page has loaded.
checker="<script>
$(cat "$(dirname "$0")/chart-check.js")
(function () {
  var problems = [];
  window.addEventListener('error', function (e) { problems.push('script error: ' + e.message); });
  window.addEventListener('load', function () {
    var result = hospitalTwinChartCheck(true);
    problems = problems.concat(result.problems);
    var out = document.createElement('pre');
    out.id = 'html-check';
    out.textContent = problems.length ? 'FAIL\\n' + problems.join('\\n') : 'OK ' + result.checked + ' marks';
    document.body.appendChild(out);
  });
})();
</script>"
status=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for file in "$@"; do
    if [[ ! -s "$file" ]]; then echo "$file: missing or empty" >&2; status=1; continue; fi
    if grep -Eqi '(src|href)=["'"'"'](https?:|//|file:)' "$file"; then
        echo "$file: refers to an external resource" >&2; status=1
    fi
    if grep -qi '<script' "$file"; then echo "$file: a report has no script of its own" >&2; status=1; fi
    copy="$work/$(basename "$file")"
    # The checker goes in first, so that it sees any error the page raises.
    CHECKER="$checker" python3 -c 'import os,sys; t=open(sys.argv[1]).read(); open(sys.argv[2],"w").write(t.replace("<head>", "<head>" + os.environ["CHECKER"], 1))' "$file" "$copy"
    dom="$work/dom.html" log="$work/console.log"
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
        --virtual-time-budget=5000 --enable-logging=stderr --v=0 --dump-dom "file://$copy" > "$dom" 2> "$log" || true
    if grep -E 'CONSOLE|Uncaught' "$log" > "$work/console"; then
        echo "$file: console messages:" >&2; cat "$work/console" >&2; status=1
    fi
    pdf="$work/print.pdf"
    rm -f "$pdf"
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
        --no-pdf-header-footer --print-to-pdf="$pdf" "file://$(cd "$(dirname "$file")" && pwd)/$(basename "$file")" \
        > /dev/null 2>&1 || true
    pages=$(python3 -c 'import re,sys; d=open(sys.argv[1],"rb").read(); print(len(re.findall(rb"/Type\s*/Page[^s]", d)) if d.startswith(b"%PDF") else 0)' "$pdf" 2>/dev/null || echo 0)
    if [[ "$pages" -lt 1 ]]; then echo "$file: printing to PDF gave no page" >&2; status=1; fi
    result=$(python3 -c 'import re,sys,html; t=open(sys.argv[1]).read(); m=re.search(r"<pre id=\"html-check\">(.*?)</pre>", t, re.S); print(html.unescape(m.group(1)) if m else "FAIL\nthe page did not finish loading")' "$dom")
    if [[ "$result" == OK* ]]; then
        echo "$file: $result agree with their tables; no console message; prints on $pages pages"
    else
        echo "$file: ${result#FAIL$'\n'}" | sed "2,\$s#^#$file: #" >&2; status=1
    fi
done
exit $status
