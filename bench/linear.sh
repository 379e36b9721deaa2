#!/usr/bin/env bash
# Evidence location must be linear in the document: build one document of 12.5, 25 and 50 MB, with 25,000,
# 50,000 and 100,000 evidence spans, and time each build with hyperfine.
#   bench/linear.sh BIN OUTDIR
set -euo pipefail
bin="$1"; out="$2"
mkdir -p "$out/json"
for mb in 12 25 50; do
  seed="$out/linear-$mb"
  rm -rf "$seed" && mkdir -p "$seed/documents"
  python3 - "$seed" "$mb" <<'PY'
import sys
seed, mb = sys.argv[1], int(sys.argv[2])
spans = mb * 2000
filler = "Pädagogik — “quoted” words, 漢字 and emoji 😀 fill the line until the next marker. "
body, toml = [], ['[document]\nslug = "big"\nfile = "big.txt"\ntitle = "Big"\n\n[[actors]]\nslug = "ruritania"\nname = "Ruritania"\nkind = "state"\nevidence = [\n']
for i in range(spans):
    marker = f"marker {i:07d} of Ruritania"
    line = marker + ". " + filler * 6
    body.append(line + "\n")
    toml.append(f'  "{marker}",\n')
toml.append("]\n")
open(f"{seed}/documents/big.txt", "w", encoding="utf-8").write("".join(body))
open(f"{seed}/documents/big.toml", "w", encoding="utf-8").write("".join(toml))
open(f"{seed}/dossier.toml", "w").write('title = "Linearity"\n')
PY
done
hyperfine --runs 3 --warmup 1 --style basic --export-json "$out/json/linear.json" \
  -n "12 MB, 24,000 spans" "$bin build --seed $out/linear-12 --out $out/linear.db" \
  -n "25 MB, 50,000 spans" "$bin build --seed $out/linear-25 --out $out/linear.db" \
  -n "50 MB, 100,000 spans" "$bin build --seed $out/linear-50 --out $out/linear.db"
