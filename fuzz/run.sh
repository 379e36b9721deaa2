#!/usr/bin/env bash
# Runs each fuzz target for a bounded time (default 60 s each). Not part of CI.
#   fuzz/run.sh [SECONDS]
# Needs cargo-fuzz (cargo install cargo-fuzz). cargo-fuzz passes nightly-only flags to rustc; with the stable
# toolchain, RUSTC_BOOTSTRAP=1 lets them through. A crash is saved under fuzz/artifacts/TARGET/: turn it into a
# regression test beside the code it broke, then keep the input in fuzz/corpus/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
for target in date seed; do
  echo "== fuzzing $target for ${secs}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$secs" -max_len=4096
done
