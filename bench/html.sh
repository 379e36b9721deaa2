#!/usr/bin/env bash
# The offline page at scale: its size, the time to write it, and the time chromium takes to load it, at 1,000
# and 10,000 synthetic documents. The anchor, in the same run, is the timeline alone as `sqlite3 -html` writes it
# (a plain table of every event, uncapped), written and loaded the same way.
#
#   bench/html.sh [DOCUMENTS...]        default: 1000 10000
#
# Load times are chromium's own: the Navigation Timing of the page (domContentLoadedEventEnd, loadEventEnd),
# read by a harness page that opens it in an iframe, median of $RUNS runs, each in a fresh headless chromium.
# The section it writes replaces the one between the html markers in BENCHMARKS.md (bench/run.sh keeps it).
# Needs: cargo, chromium, sqlite3, hyperfine, python3 (apt-get install chromium sqlite3 hyperfine python3).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(1000 10000); fi
runs="${RUNS:-5}"
work="$root/bench/out/html"
rm -rf "$work" && mkdir -p "$work"

for tool in chromium sqlite3 hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install chromium sqlite3 hyperfine python3)"; exit 1; }
done
cargo build --release --quiet
bin="$root/target/release/dossier"

cat > "$work/harness.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<iframe id="f" src="PAGE" width="1280" height="800"></iframe><pre id="out">pending</pre>
<script>
const f = document.getElementById('f');
f.addEventListener('load', () => {
  const n = f.contentWindow.performance.getEntriesByType('navigation')[0];
  document.getElementById('out').textContent = JSON.stringify({
    dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, elements: f.contentDocument.getElementsByTagName('*').length });
});
</script></body></html>
HTML

# One load of DIR/PAGE in a fresh chromium: prints chromium's timing as JSON.
load() {
  local dir=$1 page=$2 profile
  profile=$(mktemp -d)
  sed "s|PAGE|$page|" "$work/harness.html" > "$dir/harness-$page"
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --allow-file-access-from-files --user-data-dir="$profile" \
    --dump-dom "file://$dir/harness-$page" 2>/dev/null | sed -n 's|.*<pre id="out">\(.*\)</pre>.*|\1|p'
  rm -rf "$profile"
}

for n in "${sizes[@]}"; do
  dir="$work/$n"
  mkdir -p "$dir"
  echo "== $n documents"
  "$bin" synth --documents "$n" --seed 1 --out "$dir/corpus" 2>/dev/null
  "$bin" build --seed "$dir/corpus" --out "$dir/big.db" 2>/dev/null
  timeline="SELECT * FROM timeline"
  hyperfine --runs "$runs" --warmup 1 --style basic --export-json "$dir/write.json" \
    -n "sqlite3 -html" "(echo '<!DOCTYPE html><meta charset=utf-8><table>'; sqlite3 -html -header -readonly $dir/big.db '$timeline'; echo '</table>') > $dir/sqlite3.html" \
    -n "dossier export --format html" "$bin --db $dir/big.db export --format html --to $dir --force 2>/dev/null"
  for page in index.html sqlite3.html; do
    : > "$dir/load-$page.jsonl"
    for _ in $(seq "$runs"); do load "$dir" "$page" >> "$dir/load-$page.jsonl"; done
  done
  "$bin" --db "$dir/big.db" sql --format json \
    "SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM events) AS events, \
            (SELECT count(*) FROM designations) AS designations, (SELECT count(*) FROM evidence) AS evidence" \
    > "$dir/counts.json"
done

python3 - "$work" "${sizes[@]}" <<'PY' > "$work/section.md"
import json, os, statistics, sys
work, sizes = sys.argv[1], sys.argv[2:]
def med(xs):
    return statistics.median(xs)
out = ["<!-- html:begin -->", "## The offline page (`export --format html`)", "",
       f"Written by `bench/html.sh {' '.join(sizes)}`. Load times are chromium's own Navigation Timing of the page "
       "(headless Debian chromium, a fresh profile per run, the page opened from `file://` in an iframe of a harness), "
       "medians of the runs; the anchor is the timeline alone as `sqlite3 -html` writes it, a plain table of every "
       "event with no cap, written and loaded in the same run. The page caps each section (1,000 events, 300 "
       "designations, 200 pairs, 200 actors, 300,000 characters of documents) and says so where it does. The machine is shared and was busy: compare the rows, not the "
       "absolute times.", "",
       "| documents | events | page | page size | write (median) | DOMContentLoaded | load | elements |",
       "|---|---|---|---|---|---|---|---|"]
for n in sizes:
    d = os.path.join(work, n)
    counts = json.load(open(os.path.join(d, "counts.json")))[0]
    write = {r["command"]: med(r["times"]) for r in json.load(open(os.path.join(d, "write.json")))["results"]}
    for page, name, cmd in [("index.html", "dossier page", "dossier export --format html"),
                            ("sqlite3.html", "sqlite3 -html timeline", "sqlite3 -html")]:
        loads = [json.loads(l) for l in open(os.path.join(d, f"load-{page}.jsonl")) if l.strip()]
        size = os.path.getsize(os.path.join(d, page))
        out.append(f"| {int(n):,} | {counts['events']:,} | {name} | {size / 1e6:.2f} MB | {write[cmd] * 1000:.0f} ms | "
                   f"{med([l['dcl'] for l in loads]):.0f} ms | {med([l['load'] for l in loads]):.0f} ms | "
                   f"{loads[0]['elements']:,} |")
out += ["", "<!-- html:end -->"]
print("\n".join(out))
PY

# Replace the section in BENCHMARKS.md, or add it.
python3 - "$work/section.md" <<'PY'
import re, sys
section = open(sys.argv[1]).read().strip()
text = open("BENCHMARKS.md").read() if __import__("os").path.exists("BENCHMARKS.md") else "# Benchmarks\n"
if "<!-- html:begin -->" in text:
    text = re.sub(r"<!-- html:begin -->.*?<!-- html:end -->", lambda _: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open("BENCHMARKS.md", "w").write(text)
PY
cat "$work/section.md"
