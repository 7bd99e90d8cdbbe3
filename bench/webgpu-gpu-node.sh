#!/usr/bin/env bash
# Issue #14 on the GPU node: our webgpu kernels against tfjs-backend-webgpu's and PyTorch's, and
# what they do to a vgg16 / resnet50 training step at batch 256. From the repo root, after
# `npm ci && npx tsc -p . && bash ../shared/gpu-node/bundle.sh`, through the device tool with
# carry [.gpunode, dist]:  source .gpunode/setup.sh && bash bench/webgpu-gpu-node.sh A   (then B)
# Each part fits one device call (< 10 min); each step has its own time limit. Writes
# $OUT/webgpu-results-<part>.md (tables) and $OUT/webgpu-log-<part>.txt (stderr).
set -uo pipefail
part=${1:-A}
out=${OUT:-/tmp/out}; mkdir -p "$out"
res=$out/webgpu-results-$part.md; log=$out/webgpu-log-$part.txt
step() { # step LIMIT_S TITLE CMD...
  local limit=$1 title=$2; shift 2
  echo "### $title" >>"$res"; echo '```' >>"$res"; echo "\$ $*" >>"$res"; echo '```' >>"$res"
  local t0=$SECONDS
  timeout "$limit" "$@" > >(tee -a "$res") 2> >(grep -v 'artificially reduced' >>"$log"); local rc=$?
  echo "" >>"$res"; echo "(exit $rc, $((SECONDS - t0)) s)" >>"$res"; echo "" >>"$res"
}
{ echo "# webgpu kernels on the GPU node, part $part, $(date -u +%FT%TZ)"; nvidia-smi -L; node --version; } >>"$res" 2>&1
case $part in
A) # kernels, then training steps (about 9 minutes at most)
  step 90 "PyTorch, the same kernels" python3 bench/webgpu_kernels_torch.py
  step 200 "tfjs webgpu kernels vs ours (and ours at every tile shape)" node dist/bench/webgpu-kernels.js --sweep
  step 60 "PyTorch fp32 training step, batch 256" python3 bench/torch_reference.py --batch 256 --models vgg16,resnet50 --header
  step 80 "tfjs webgpu training step, batch 256, our kernels" node dist/bench/train.js --backend webgpu --models vgg16,resnet50 --batch 256 --warmup 1 --steps 3 --header
  step 110 "tfjs webgpu training step, batch 256, tfjs's kernels" env DYNPIPE_WEBGPU_OWN_KERNELS=0 node dist/bench/train.js --backend webgpu --models vgg16,resnet50 --batch 256 --warmup 1 --steps 3 --header
  ;;
B) # per-kernel GPU time of one training step (about 8 minutes at most)
  step 200 "kernels of a training step, our kernels" node dist/bench/webgpu-step-kernels.js --models vgg16,resnet50 --batch 256
  step 260 "kernels of a training step, tfjs's kernels" env DYNPIPE_WEBGPU_OWN_KERNELS=0 node dist/bench/webgpu-step-kernels.js --models vgg16,resnet50 --batch 256
  ;;
*) echo "usage: bash bench/webgpu-gpu-node.sh A|B" >&2; exit 2 ;;
esac
