#!/usr/bin/env bash
# Adding documents: `dossier check` on the synthetic corpus against the build's own parse-and-validate phase (as
# DOSSIER_TIMINGS=1 reports it), and `dossier draft` of a 1 MB document against copying the same file. Prints a
# Markdown section for BENCHMARKS.md.
#
#   bench/adding.sh BIN WORK        bench/run.sh calls it; WORK/corpus is its corpus
#   bench/adding.sh                 alone: builds, writes a 10,000-document corpus in bench/out/adding
#
# Needs: hyperfine, python3 (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-5}"
if [ $# -ge 2 ]; then
  bin="$1"; work="$2"
else
  cargo build --release --quiet
  bin="$PWD/target/release/dossier"; work="$PWD/bench/out/adding"
  mkdir -p "$work"
  [ -d "$work/corpus" ] || "$bin" synth --documents "${DOCUMENTS:-10000}" --seed 1 --out "$work/corpus" >&2
fi
mkdir -p "$work/json"
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }

# 1. check, end to end, against the build's phase that parses, validates and locates (and loads rows).
hyperfine --runs "$runs" --warmup 1 --style basic --export-json "$work/json/check.json" \
  -n "dossier check" "$bin check --seed $work/corpus" >&2
for _ in $(seq "$runs"); do
  DOSSIER_TIMINGS=1 "$bin" build --seed "$work/corpus" --out "$work/phase.db" 2>&1 \
    | awk '/parse, validate/ { print $2 }'
done > "$work/phase-seconds"

# 2. draft of a 1 MB document made of synthetic prose, into a 400-document seed whose actors it names.
rm -rf "$work/draft-seed"
"$bin" synth --documents 400 --seed 3 --out "$work/draft-seed" >&2
python3 - "$work/draft-seed/documents" "$work/one-mb.txt" <<'PY'
import glob, sys
out, size = [], 0
for p in sorted(glob.glob(sys.argv[1] + "/*.txt")):
    text = open(p, encoding="utf-8").read()
    out.append(text)
    size += len(text.encode())
    if size >= 1_000_000:
        break
open(sys.argv[2], "w", encoding="utf-8").write("".join(out))
PY
hyperfine --runs "$runs" --warmup 1 --style basic --export-json "$work/json/draft.json" \
  --prepare "rm -f $work/draft-seed/documents/one-mb.txt $work/draft-seed/documents/one-mb.toml $work/copy.txt" \
  -n "cp" "cp $work/one-mb.txt $work/copy.txt" \
  -n "dossier draft" "$bin draft $work/one-mb.txt --seed $work/draft-seed --slug one-mb" >&2
"$bin" check --seed "$work/draft-seed" >&2

python3 - "$work" <<'PY'
import json, os, statistics, sys
w = sys.argv[1]
def med(name, command):
    rows = json.load(open(os.path.join(w, "json", name)))["results"]
    return statistics.median(next(r for r in rows if r["command"] == command)["times"])
def ms(x):
    return f"{x * 1000:.1f} ms" if x < 10 else f"{x:.2f} s"
check = med("check.json", "dossier check")
phase = statistics.median(float(x) for x in open(os.path.join(w, "phase-seconds")).read().split())
draft, cp = med("draft.json", "dossier draft"), med("draft.json", "cp")
docs = sum(f.endswith(".toml") for f in os.listdir(os.path.join(w, "corpus", "documents")))
size = os.path.getsize(os.path.join(w, "one-mb.txt"))
print("## Adding documents")
print()
print("Written by `bench/adding.sh`, which `bench/run.sh` calls. `check` is timed end to end (listing the files,")
print("every check, preparing the report SQL); its anchor is the one phase of `build` that parses, validates,")
print("locates evidence and loads the rows, as `DOSSIER_TIMINGS=1 dossier build` prints it, so the build's")
print("listing, verification and compaction are left out of the anchor.")
print()
print("| what | dossier | anchor | anchor median | dossier median | ratio | target |")
print("|---|---|---|---|---|---|---|")
print(f"| check {docs:,} synthetic documents | `dossier check` | the build's parse-and-validate phase | {ms(phase)} | {ms(check)} | {check / phase:.2f}× | ≤ 1.0× |")
print(f"| draft a {size / 1e6:.2f} MB document into a 400-document seed | `dossier draft` | `cp` of the same file | {ms(cp)} | {ms(draft)} | {draft / cp:.0f}× | < 1 s |")
rows = json.load(open(os.path.join(w, "json", "check.json")))["results"][0]
print()
print(f"`check` spent a mean {rows['user']:.2f} s of user CPU per run; its wall times ranged from "
      f"{min(rows['times']):.1f} s to {max(rows['times']):.1f} s, so the shared machine, not the work, set most of each figure.")
PY
