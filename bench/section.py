"""Puts one section into BENCHMARKS.md between its markers, <!-- NAME:begin --> and <!-- NAME:end -->, replacing
the section of that name or adding it at the end. bench/run.sh rewrites the file and keeps every marked section.

    python3 bench/section.py NAME FILE
"""
import os
import re
import sys

name, path = sys.argv[1], sys.argv[2]
body = open(path, encoding="utf-8").read().strip()
section = f"<!-- {name}:begin -->\n{body}\n<!-- {name}:end -->"
text = open("BENCHMARKS.md", encoding="utf-8").read() if os.path.exists("BENCHMARKS.md") else "# Benchmarks\n"
pattern = re.compile(rf"<!-- {re.escape(name)}:begin -->.*?<!-- {re.escape(name)}:end -->", re.S)
if pattern.search(text):
    text = pattern.sub(lambda _: section, text)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open("BENCHMARKS.md", "w", encoding="utf-8").write(text)
