#!/usr/bin/env bash
# Interference-predictor datasets from the 16-core GPU node (issue 5) in ONE run of at most TOTAL_S
# seconds (default 175; a hard cap: the script re-runs itself under `timeout`). From the repo root,
# after `npx tsc -p .`, through the device tool with carry [.gpunode, dist]:
#
#     source .gpunode/setup.sh && bash bench/gpu-node-collect.sh
#
# 1. Collection, in parallel lanes (one `dynpipe predictor collect` process each, pinned to its own
#    cores; its interferers pinned to the lane's cores; mix keys name cores by slot, '@0' = the
#    workload's core, so a key means the same placement in every lane):
#      webgpu lane: cores 0-3, workload on 0,1, gpu interferers (2048^2 matmul on the H100) on 2,3;
#                   mixes of gpu, cpu and membw interferers; nvidia-smi features of GPU 0.
#      wasm lanes:  the other cores in lanes of 3 (workload on the first), cpu and membw mixes; the
#                   lanes share one mix list (every lane takes every n-th mix, `--shard i/n`) and
#                   each runs the quiet mix, so their files merge into one dataset.
#    Each lane starts no new mix after its time budget and is killed at its hard cap (a killed lane
#    loses only its mix in flight: rows are appended per mix).
# 2. `predictor merge` joins each backend's lanes into $OUT/predictor-<backend>.csv.gz.
# 3. For each backend, in parallel: `predictor train` -> $OUT/forest-<backend>.json, and
#    `predictor eval` (forest beside the linear baseline, the training mean and the label noise of
#    the quiet mix) on 30% held-out mixes and by grouped 5-fold cross-validation -> $OUT/eval-<backend>.txt.
# Everything printed goes to $OUT/log.txt; the eval reports are printed at the end.
#
# Knobs: TOTAL_S (hard cap, s); DRY_RUN=1 (tiny models, 2-core layout, no GPU: proves the script
# end to end on the dev box in about TOTAL_S=100 s); PARTS="webgpu wasm" (backends to collect).
set -uo pipefail
total=${TOTAL_S:-175}
if [[ -z ${DYNPIPE_COLLECT_CAPPED:-} ]]; then
  # timeout signals its whole process group: every lane and generator stops at the cap.
  DYNPIPE_COLLECT_CAPPED=1 exec timeout -k 5 "$total" bash "$0" "$@"
fi
parts=${PARTS:-webgpu wasm}
dry=${DRY_RUN:-0}
out=${OUT:-/tmp/out}; mkdir -p "$out/lanes"
log=$out/log.txt
dynpipe() { node dist/runtime/cli/dynpipe.js "$@"; }
left() { echo $((total - SECONDS)); } # seconds left of the cap

# Time plan: lanes start no new mix after collect_budget s and are killed at collect_cap s (the
# margin lets a mix in flight finish); train and eval get what is left (at least model_s s). Every
# figure the model phase prints can be recomputed later from the merged CSV: it is best-effort.
model_s=$(( total / 5 )); ((model_s < 25)) && model_s=25
collect_cap=$(( total - model_s - 8 ))
collect_budget=$(( collect_cap * 85 / 100 - 5 ))

{
  echo "# GPU-node predictor collection, $(date -u +%FT%TZ), TOTAL_S=$total DRY_RUN=$dry"
  nvidia-smi -L 2>&1 || true
  echo "cores: $(nproc)"; lscpu | grep 'Model name'; lscpu -e=CPU,CORE,SOCKET,NODE 2>/dev/null | head -40
  node --version
} >>"$log" 2>&1

have_taskset=0; command -v taskset >/dev/null && have_taskset=1
pin() { # pin WORKLOAD_CORES SLOT_CORES [GPU_CORES]: placement flags (none without taskset: all float)
  ((have_taskset)) || return 0
  echo "--cores $1 --interferer-cores $2${3:+ --gpu-interferer-cores $3}"
}

if [[ $dry == 1 ]]; then
  webgpu_models=(--model mlp:hidden=32,layers=1 --batches 4)
  wasm_models=(--model mlp:hidden=32,layers=1 --model tinycnn:channels=4 --batches 4)
  gpu_flags=(--gpu none --matrix 64); buffer=32
  webgpu_pin=$(pin 0 0); wasm_pins=("$(pin 1 1)")
else
  webgpu_models=(--model mlp:hidden=512 --model tinycnn --batches 16,64)
  wasm_models=(--model mlp:hidden=256 --model tinycnn:channels=8
    --model bert:hidden=32,layers=1,ffn=64,seqLen=16,vocabSize=200,heads=2
    --model vgg16:width=0.0625,inputHeight=16,inputWidth=16 --batches 4,16)
  gpu_flags=(--gpu 0 --matrix 2048); buffer=256
  webgpu_pin=$(pin 0,1 0-3 2,3)
  wasm_pins=()
  for ((c = 4; c + 2 < $(nproc); c += 3)); do wasm_pins+=("$(pin $c $c-$((c + 2)))"); done
fi
common=(--stages 2 --max-interferers 3 --intensities 0.25,0.5,1 --rounds 2 --microbatches 2
  --settle-ms 150 --buffer-mb "$buffer" --mixes 400 --time-budget-s "$collect_budget")

lane() { # lane NAME FILE ARGS...: one collect process under the lanes' hard cap
  local name=$1 file=$2; shift 2
  echo "### lane $name: dynpipe predictor collect --out $file $*" >>"$log"
  ( t0=$SECONDS; timeout -k 3 "$collect_cap" node dist/runtime/cli/dynpipe.js predictor collect --out "$file" "$@" >>"$log" 2>&1
    echo "(lane $name: exit $?, $((SECONDS - t0)) s)" >>"$log" ) &
}

declare -A lanes=()
if [[ " $parts " == *" webgpu "* ]]; then
  # shellcheck disable=SC2086
  lane webgpu "$out/lanes/webgpu-0.csv" --backend webgpu "${gpu_flags[@]}" $webgpu_pin --kinds gpu,cpu,membw \
    "${webgpu_models[@]}" "${common[@]}" --seed 11
  lanes[webgpu]="$out/lanes/webgpu-0.csv"
fi
if [[ " $parts " == *" wasm "* ]]; then
  n=${#wasm_pins[@]}
  for ((i = 0; i < n; i++)); do
    # shellcheck disable=SC2086
    lane "wasm $i/$n" "$out/lanes/wasm-$i.csv" --backend wasm --gpu none ${wasm_pins[$i]} --shard "$i/$n" \
      --kinds cpu,membw "${wasm_models[@]}" "${common[@]}" --seed 12
    lanes[wasm]+="$out/lanes/wasm-$i.csv "
  done
fi
wait
echo "collection done at $SECONDS s" >>"$log"

step() { # step LIMIT_S FILE LABEL ARGS...: `dynpipe predictor ARGS` appending to FILE, then its exit status and time
  local limit=$1 file=$2 label=$3 t0=$SECONDS; shift 3
  { echo "\$ dynpipe predictor $*"; timeout "$limit" node dist/runtime/cli/dynpipe.js predictor "$@" 2>>"$log"
    echo "($label: exit $?, $((SECONDS - t0)) s)"; } >>"$file"
}
# The settings of configs/predictor/forest-wasm-2core.json, with 600 rows per tree (not 2000): a
# forest then trains in 19 s of CPU on the dev box (52 s at 1000 rows). The 5-fold evaluation trains
# five and may not finish in time: rerun it on the merged CSV, which reproduces every figure.
forest_flags=(--max-depth 8 --min-node 20 --max-rows-per-tree 600 --trees "$([[ $dry == 1 ]] && echo 8 || echo 40)")
for name in "${!lanes[@]}"; do
  data=$out/predictor-$name.csv.gz
  # shellcheck disable=SC2086
  files=$(ls ${lanes[$name]} 2>/dev/null)
  # shellcheck disable=SC2086
  if [[ -n $files ]] && dynpipe predictor merge --out "$data" $files >>"$log" 2>&1; then
    rm -f $files # the merged file holds every lane's rows and provenance lines
  else
    echo "no $name data" >>"$log"; continue
  fi
  limit=$(( $(left) - 4 ))
  step "$limit" "$log" "train $name" train --data "$data" --out "$out/forest-$name.json" "${forest_flags[@]}" &
  step "$limit" "$out/eval-$name.txt" "eval $name" eval --data "$data" --test-fraction 0.3 "${forest_flags[@]}" --importance-repeats 1 &
  step "$limit" "$out/eval-$name-folds.txt" "eval $name, 5 folds" eval --data "$data" --folds 5 "${forest_flags[@]}" --importance-repeats 0 &
done
wait
rmdir "$out/lanes" 2>/dev/null
echo "done at $SECONDS s" >>"$log"
grep -h '^merge:\|^train:\|(lane\|(train\|done at' "$log"
cat "$out"/eval-*.txt 2>/dev/null
