#!/usr/bin/env bash
# Interference-predictor dataset from the 16-core GPU node (issue 5), about 6 minutes of wall time.
# From the repo root, after `npx tsc -p .` (and the .gpunode bundle), through the device tool with
# carry [.gpunode, dist]:   source .gpunode/setup.sh && bash bench/gpu-node-collect.sh
#
# Two collections, each appending to its own CSV under $OUT (a rerun continues them):
#   1. webgpu stage workloads (the H100 through Dawn) under mixes of gpu, cpu and membw interferers;
#      the workload process is pinned to cores 0-3, cpu/membw interferers to cores 0-7 (so some
#      share the workload's cores and some do not), gpu interferers on adapter 0; nvidia-smi
#      features from GPU 0.
#   2. wasm stage workloads pinned to core 8 under cpu and membw interferers on cores 8-11.
# Then, for each CSV, the held-out evaluation (forest vs baselines, grouped by mix) and a trained
# forest. Writes $OUT/predictor-{webgpu,wasm}.csv, eval-*.txt, forest-*.json, and log.txt.
# PARTS="wasm" (or "webgpu") runs one collection only; BUDGET_SCALE scales every time limit (default 1).
set -uo pipefail
parts=${PARTS:-webgpu wasm}
scale=${BUDGET_SCALE:-1}
budget() { awk -v s="$scale" -v b="$1" 'BEGIN { printf "%d", s * b }'; }
out=${OUT:-/tmp/out}; mkdir -p "$out"
log=$out/log.txt
{ echo "# GPU-node predictor collection, $(date -u +%FT%TZ)"; nvidia-smi -L; echo "cores: $(nproc)"; lscpu | grep 'Model name'; node --version; } >>"$log" 2>&1

# Pinning needs taskset; without it every process floats (the CSV's provenance line says so).
pin() { if command -v taskset >/dev/null; then echo "--cores $1 --interferer-cores $2"; fi; }

run() { # run LIMIT_S NAME ARGS...: one collection, hard-capped at LIMIT_S seconds
  local limit=$1 name=$2; shift 2
  local t0=$SECONDS
  echo "### collect $name: dynpipe predictor collect $*" >>"$log"
  timeout "$limit" node dist/runtime/cli/dynpipe.js predictor collect --out "$out/predictor-$name.csv" "$@" >>"$log" 2>&1
  echo "(exit $?, $((SECONDS - t0)) s)" >>"$log"
}

# 1. webgpu: ~190 s of mixes (a mix in flight may finish after the budget; the cap is hard).
# shellcheck disable=SC2046
[[ " $parts " == *" webgpu "* ]] && run "$(budget 240)" webgpu --backend webgpu --gpu 0 $(pin 0-3 0-7) \
  --model mlp:hidden=1024 --model tinycnn:channels=32 --model vgg16:width=0.5 --model bert \
  --stages 2 --batches 32,128 --kinds gpu,cpu,membw --max-interferers 3 --intensities 0.25,0.5,1 \
  --matrix 2048 --buffer-mb 256 --mixes 60 --microbatches 2 --rounds 3 --seed 11 --time-budget-s "$(budget 190)"

# 2. wasm: ~90 s of mixes.
# shellcheck disable=SC2046
[[ " $parts " == *" wasm "* ]] && run "$(budget 130)" wasm --backend wasm --gpu none $(pin 8 8-11) \
  --model mlp:hidden=256 --model tinycnn --model vgg16:width=0.0625 \
  --model bert:hidden=32,layers=2,ffn=64,seqLen=16,vocabSize=200,heads=2 \
  --stages 2 --batches 4,16 --kinds cpu,membw --max-interferers 3 --intensities 0.25,0.5,1 \
  --buffer-mb 256 --mixes 60 --microbatches 2 --rounds 3 --seed 12 --time-budget-s "$(budget 90)"

for name in $parts; do
  data=$out/predictor-$name.csv
  [ -s "$data" ] || { echo "no $data" >>"$log"; continue; }
  { echo "\$ dynpipe predictor eval --data predictor-$name.csv --test-fraction 0.3"; timeout 60 node dist/runtime/cli/dynpipe.js predictor eval --data "$data" --test-fraction 0.3; } >"$out/eval-$name.txt" 2>>"$log"
  timeout 60 node dist/runtime/cli/dynpipe.js predictor train --data "$data" --out "$out/forest-$name.json" >>"$log" 2>&1
done
cat "$out"/eval-*.txt 2>/dev/null
