#!/usr/bin/env bash
# What the hardening for files from others costs: the same queries through the binary before it and the binary
# now, with sqlite3 as the anchor, all in one hyperfine run per query so that the machine's noise hits all three.
#
#   bench/hardening.sh [BASE_REV] [DOCUMENTS]     defaults: 3507301 (before the hardening), 10000 documents
#
# Writes the "hardening" section of BENCHMARKS.md (and bench/out/hardening.md): medians, and the ratio of now to
# before.
# Needs: cargo, git, sqlite3, hyperfine, valgrind, python3 (apt-get install sqlite3 hyperfine valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
base="${1:-3507301}"
docs="${2:-10000}"
runs="${RUNS:-15}"
work="$root/bench/out/hardening"
rm -rf "$work" && mkdir -p "$work/json"

cargo build --release --quiet
now="$root/target/release/dossier"
# The base revision, built in a worktree of its own under target/ (which bench/run.sh, clearing bench/out, leaves
# alone), with its own target folder so that nothing here is rebuilt.
tree="$root/target/bench-base-$base"
if [ ! -x "$tree/target/release/dossier" ]; then
  rm -rf "$tree"
  git worktree prune
  git worktree add --detach "$tree" "$base" >/dev/null
  (cd "$tree" && cargo build --release --quiet)
fi
before="$tree/target/release/dossier"

"$now" synth --documents "$docs" --seed 1 --out "$work/corpus" >/dev/null
"$now" build --seed "$work/corpus" --out "$work/big.db" 2>/dev/null
"$now" build --out "$work/seed.db" 2>/dev/null

q20="SELECT id, document, start, end, exact FROM evidence ORDER BY id LIMIT 20"
hyperfine --runs 40 --warmup 3 -N --style basic --export-json "$work/json/q20.json" \
  -n "sqlite3" "sqlite3 -table -readonly $work/seed.db '$q20'" \
  -n "before" "$before --db $work/seed.db sql '$q20'" \
  -n "now" "$now --db $work/seed.db sql '$q20'" >/dev/null

declare -A params=(
  [actor]="actor=zembla" [actors]="kind=state" [designations]="" [in-force]="on=2015-06-01"
  [quotes]="speaker=zembla" [recognitions]="subject=zembla" [sources]="" [timeline]="actor=zembla"
)
for report in $(printf '%s\n' "${!params[@]}" | sort); do
  p="${params[$report]}"
  args="--db $work/big.db report $report --format csv"
  [ -n "$p" ] && args="$args -p $p"
  if ! cmp -s <($before $args) <($now $args); then
    echo "bench: report $report gives different rows before and now"; exit 1
  fi
  hyperfine --runs "$runs" --warmup 1 -N --style basic --export-json "$work/json/report-$report.json" \
    -n "before" "$before $args" -n "now" "$now $args" >/dev/null
done

# Instructions, counted by callgrind: the same for the same binary and input whatever else the machine does, so
# the fixed cost of the hardening shows even on a busy machine. The seed's database, each report with its defaults.
instructions() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'; }
{
  echo "sql-q20 $(instructions "$before" --db "$work/seed.db" sql "$q20") $(instructions "$now" --db "$work/seed.db" sql "$q20")"
  for report in $(printf '%s\n' "${!params[@]}" | sort); do
    echo "report-$report $(instructions "$before" --db "$work/seed.db" report "$report") $(instructions "$now" --db "$work/seed.db" report "$report")"
  done
} > "$work/instructions.txt"

python3 - "$work/json" "$docs" "$base" <<'PY' > "$work/../hardening.md"
import json, os, sys, statistics
d, docs, base = sys.argv[1:]
def load(name):
    return {r["command"]: r for r in json.load(open(os.path.join(d, name)))["results"]}
def med(r):
    return statistics.median(r["times"]) * 1000
def spread(r):
    t = sorted(r["times"])
    return (t[len(t) * 3 // 4] - t[len(t) // 4]) * 1000
print("## What the hardening for files from others costs")
print()
print(f"Hardening cost, `bench/hardening.sh {base} {docs}`: medians of hyperfine runs, before ({base}) and now in the same run.")
print()
print("| query | sqlite3 | before | now | now / before | interquartile range of now |")
print("|---|---|---|---|---|---|")
q = load("q20.json")
print(f"| 20-row query on the seed db, start to exit | {med(q['sqlite3']):.1f} ms | {med(q['before']):.1f} ms | {med(q['now']):.1f} ms | {med(q['now']) / med(q['before']):.2f}× | {spread(q['now']):.1f} ms |")
for name in sorted(f for f in os.listdir(d) if f.startswith("report-")):
    r = load(name)
    report = name[len("report-"):-len(".json")]
    print(f"| report `{report}` at {docs} documents | | {med(r['before']):.1f} ms | {med(r['now']):.1f} ms | {med(r['now']) / med(r['before']):.2f}× | {spread(r['now']):.1f} ms |")
print()
print("Instructions (callgrind), start to exit, on the seed's database: the fixed cost, free of the machine's noise.")
print()
print("| command | before | now | now / before |")
print("|---|---|---|---|")
for line in open(os.path.join(os.path.dirname(d), "instructions.txt")):
    name, a, b = line.split()
    print(f"| {name} | {int(a):,} | {int(b):,} | {int(b) / int(a):.3f}× |")
print()
print("The hardening adds a fixed cost to each command: reading and comparing the file's schema with dossier's, "
      "the connection's limits and pragmas, the authorizer. The expected schema is kept as rows in "
      "`src/db/expected_schema.rs` (applying `schema.sql` in memory on every command cost 9.5 million "
      "instructions), and the read commands' watchdog is an alarm signal (a thread cost about 1 ms).")
PY
python3 bench/section.py hardening "$work/../hardening.md"
cat "$work/../hardening.md"
