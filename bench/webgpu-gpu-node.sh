#!/usr/bin/env bash
# Issue #14 on the GPU node: our webgpu kernels against tfjs-backend-webgpu's and PyTorch's, and
# what they do to a vgg16 / resnet50 training step at batch 256. From the repo root, after
# `npm ci && npx tsc -p . && bash ../shared/gpu-node/bundle.sh`, through the device tool with
# carry [.gpunode, dist]:
#   source .gpunode/setup.sh && bash bench/webgpu-gpu-node.sh C
#
# Part C is the issue's whole before/after in one device call: steps run most needed first, each
# under `timeout` with its own cap, and none past the run's budget (WEBGPU_NODE_BUDGET_S, default
# 300 s from the script's start: leave ~30 s of the call for setup.sh). A step
# with under 5 s left is skipped and says so. Part B is the per-kernel profile of a training step
# (about 8 minutes, a call of its own).
#
# Results go to $OUT/webgpu-results-<part>.md as each step writes them, so a killed run keeps
# what finished; stderr to $OUT/webgpu-log-<part>.txt. Part C ends with the issue's tables
# (bench/webgpu-summary.ts) in $OUT/webgpu-summary-C.md; `node dist/bench/webgpu-summary.js
# webgpu-results-C.md` makes them again from a results file cut short.
#
# WEBGPU_NODE_TINY=1 shrinks every step (batch 2, tiny models, PyTorch on the CPU) and scales the
# caps and budget up, to dry-run every command on a CPU WebGPU (lavapipe) without a GPU; PYTHON
# names an interpreter with torch (default python3).
set -uo pipefail
part=${1:-}
case $part in
C) default_budget=300 ;;
B) default_budget=560 ;;
*) echo "usage: bash bench/webgpu-gpu-node.sh C|B" >&2; exit 2 ;;
esac
out=${OUT:-/tmp/out}; mkdir -p "$out"
py=${PYTHON:-python3}
tiny=${WEBGPU_NODE_TINY:-0}
if [[ $tiny == 1 ]]; then scale=20; budget=${WEBGPU_NODE_BUDGET_S:-6000}; else scale=1; budget=${WEBGPU_NODE_BUDGET_S:-$default_budget}; fi
res=$out/webgpu-results-$part.md; log=$out/webgpu-log-$part.txt
started=$SECONDS

# limit_for CAP_S: the seconds a step may run, its cap (scaled) or what is left of the budget.
limit_for() {
  local cap=$(( $1 * scale )) left=$(( budget - (SECONDS - started) ))
  echo $(( cap < left ? cap : left ))
}

# fraction LIMIT NUM DEN: LIMIT * NUM / DEN, at least 1 (an inner time limit for a command).
fraction() {
  local v=$(( $1 * $2 / $3 ))
  echo $(( v < 1 ? 1 : v ))
}

# step LIMIT_S TITLE CMD...: runs CMD under `timeout`, its stdout appended to the results file.
step() {
  local limit=$1 title=$2; shift 2
  { echo "### $title"; echo '```'; echo "\$ $*"; echo '```'; } >>"$res"
  if (( limit < 5 )); then
    { echo "(skipped: ${limit} s left of the run's ${budget} s)"; echo; } >>"$res"
    echo "skipped: $title" >&2
    return
  fi
  echo "=== $title (limit $limit s)" >>"$log"
  local t0=$SECONDS rc
  timeout -k 5 "$limit" "$@" >>"$res" 2>>"$log"; rc=$?
  local how="exit $rc"
  if [[ $rc == 124 || $rc == 137 ]]; then how="killed at its $limit s limit"; fi
  { echo; echo "($how, $((SECONDS - t0)) s)"; echo; } >>"$res"
  echo "$title: $how, $((SECONDS - t0)) s" >&2
}

{
  echo "# webgpu kernels on the GPU node, part $part, $(date -u +%FT%TZ)$([[ $tiny == 1 ]] && echo ' (TINY dry run)')"
  nvidia-smi -L 2>&1 || echo "(no nvidia-smi)"
  echo "node $(node --version), $(nproc) cores"
  echo
} >>"$res"

if [[ $tiny == 1 ]]; then
  batch=2
  vgg=vgg16:width=0.0625\;inputHeight=8\;inputWidth=8
  resnet=resnet50:width=0.0625\;inputHeight=8\;inputWidth=8
  kernel_args=(--quick)
  torch_kernel_args=(--device cpu --batch 2 --matmul 256 --warmup 1 --reps 2)
  torch_train_args=(--device cpu --batch 2 --warmup 0 --steps 1)
else
  batch=256
  vgg=vgg16
  resnet=resnet50
  kernel_args=()
  torch_kernel_args=()
  torch_train_args=(--batch 256 --warmup 2 --steps 5)
fi

case $part in
C) # the issue's table and training steps, most needed first (about 3-5 minutes; budget 300 s)
  lim=$(limit_for 60)
  step "$lim" "tfjs webgpu kernels vs ours (ms per call, GPU timestamps)" node dist/bench/webgpu-kernels.js "${kernel_args[@]}" --limit-s "$(fraction "$lim" 9 10)"
  step "$(limit_for 40)" "PyTorch, the same kernels (fp32, and TF32 for reference)" "$py" bench/webgpu_kernels_torch.py "${torch_kernel_args[@]}" --case-limit-s 15
  step "$(limit_for 45)" "PyTorch fp32 training step, batch $batch" "$py" bench/torch_reference.py "${torch_train_args[@]}" --models vgg16,resnet50 --header
  # One process per model, so a slow or failing resnet50 cannot take vgg16's row with it.
  lim=$(limit_for 45)
  step "$lim" "tfjs webgpu training step, batch $batch, our kernels: vgg16" node dist/bench/train.js --backend webgpu --models "$vgg" --batch "$batch" --warmup 1 --steps 3 --limit-s "$(fraction "$lim" 3 5)" --header
  lim=$(limit_for 90)
  step "$lim" "tfjs webgpu training step, batch $batch, our kernels: resnet50" node dist/bench/train.js --backend webgpu --models "$resnet" --batch "$batch" --warmup 1 --steps 3 --limit-s "$(fraction "$lim" 3 5)"
  lim=$(limit_for 40)
  step "$lim" "tfjs webgpu training step, batch $batch, tfjs's kernels: vgg16" env DYNPIPE_WEBGPU_OWN_KERNELS=0 node dist/bench/train.js --backend webgpu --models "$vgg" --batch "$batch" --warmup 1 --steps 2 --limit-s "$(fraction "$lim" 1 2)"
  lim=$(limit_for 80)
  step "$lim" "tfjs webgpu training step, batch $batch, tfjs's kernels: resnet50" env DYNPIPE_WEBGPU_OWN_KERNELS=0 node dist/bench/train.js --backend webgpu --models "$resnet" --batch "$batch" --warmup 1 --steps 2 --limit-s "$(fraction "$lim" 1 2)"
  # With time left: where our resnet50 step's GPU time goes, then ours at every tile shape.
  step "$(limit_for 60)" "kernels of a resnet50 training step, batch $batch, our kernels" node dist/bench/webgpu-step-kernels.js --models "$resnet" --batch "$batch" --warmup 1 --top 15
  lim=$(limit_for 120)
  step "$lim" "ours at every tile shape (sweep)" node dist/bench/webgpu-kernels.js "${kernel_args[@]}" --sweep --reps 3 --case-limit-s 15 --limit-s "$(fraction "$lim" 9 10)"
  ;;
B) # per-kernel GPU time of one training step (about 8 minutes at most)
  step "$(limit_for 200)" "kernels of a training step, our kernels" node dist/bench/webgpu-step-kernels.js --models "$vgg,$resnet" --batch "$batch"
  step "$(limit_for 260)" "kernels of a training step, tfjs's kernels" env DYNPIPE_WEBGPU_OWN_KERNELS=0 node dist/bench/webgpu-step-kernels.js --models "$vgg,$resnet" --batch "$batch"
  ;;
esac
echo "total $((SECONDS - started)) s of the ${budget} s budget" >>"$res"
cat "$res"
if [[ $part == C ]]; then # the issue's tables, last so that they end the output
  echo; node dist/bench/webgpu-summary.js "$res" | tee "$out/webgpu-summary-C.md"
fi
