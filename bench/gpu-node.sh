#!/usr/bin/env bash
# One batched benchmark run on the GPU node (see BENCHMARKS.md). From the repo root, after
# `npm ci && npx tsc -p . && bash ../shared/gpu-node/bundle.sh`, run through the device tool with
# carry [.gpunode, dist]:  source .gpunode/setup.sh && bash bench/gpu-node.sh
# Writes $OUT/results.md (tables) and $OUT/log.txt (everything printed). Each step has its own
# time limit, so one slow step cannot take the others down.
set -uo pipefail
out=${OUT:-/tmp/out}; mkdir -p "$out"
res=$out/results.md; log=$out/log.txt
step() { # step LIMIT_S TITLE CMD...
  local limit=$1 title=$2; shift 2
  echo "### $title" >>"$res"; echo '```' >>"$res"; echo "\$ $*" >>"$res"; echo '```' >>"$res"
  local t0=$SECONDS
  timeout "$limit" "$@" > >(tee -a "$res") 2> >(grep -v 'artificially reduced' >>"$log"); local rc=$?
  echo "" >>"$res"; echo "(exit $rc, $((SECONDS - t0)) s)" >>"$res"; echo "" >>"$res"
}
part=${1:-A}
{ echo "# GPU node run, part $part, $(date -u +%FT%TZ)"; nvidia-smi -L; echo "cores: $(nproc)"; lscpu | grep 'Model name'; node --version; } >>"$res" 2>&1
case $part in
A) # single-process training throughput (issue 2) — about 8 minutes at most
  step 25 "dynpipe info" node dist/runtime/cli/dynpipe.js info
  step 60 "PyTorch fp32 reference, batch 32" python3 bench/torch_reference.py --batch 32 --header
  step 40 "PyTorch fp32 reference, batch 256" python3 bench/torch_reference.py --batch 256 --models vgg16 --header
  step 130 "tfjs webgpu, batch 32" node dist/bench/train.js --backend webgpu --models tinycnn,vgg16,bert --batch 32 --warmup 2 --steps 5 --header
  step 70 "tfjs webgpu, batch 256" node dist/bench/train.js --backend webgpu --models vgg16 --batch 256 --warmup 1 --steps 3 --header
  step 130 "tfjs wasm (1 thread, pinned), batch 32" taskset -c 15 node dist/bench/train.js --backend wasm --models tinycnn,vgg16,bert --batch 32 --warmup 1 --steps 3 --header
  ;;
B) # transport, pipeline efficiency (issue 3), planner (issue 4) — about 8 minutes at most
  step 80 "transport, two processes" node dist/bench/transport.js --volume-mib 128
  step 170 "pipeline efficiency, wasm, 4 ranks x 2 cores" taskset -c 8-15 node dist/bench/pipeline.js --model vgg16 --model-args width=0.5 --batch 32 --ranks 4 --backend wasm --microbatches 60 --cpus-per-rank 2 --reps 3 --header
  step 150 "pipeline efficiency, webgpu, 4 ranks on one GPU" node dist/bench/pipeline.js --model vgg16 --batch 32 --ranks 4 --backend webgpu --microbatches 100 --reps 5 --header
  step 40 "planner, uncontended" node dist/bench/planner.js --runs 9
  ;;
esac
