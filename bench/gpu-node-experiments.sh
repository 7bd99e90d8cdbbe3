#!/usr/bin/env bash
# `dynpipe experiment <name> --scale full` on the 16-core GPU node (issue 7): about 9 minutes at
# most, each experiment under its own hard time limit so a slow one cannot take the others down.
#
# Once, here (the dev box), from the repo root after `npm ci && npx tsc -p .` and the .gpunode
# bundle (bash ../shared/gpu-node/bundle.sh):
#     bash bench/gpu-node-experiments.sh --prepare
# writes .gpudata/ (~8 MB, git-ignored): the first 16000 Fashion-MNIST training images and the
# first 2000 test images (the node has no Debian dataset package). The device tool's 64 MiB limit
# (tracked files + carry, .gpunode alone is 47.5 MB) leaves no room for dist/test or fonts, so
# carry [.gpunode, .gpudata, dist/runtime, dist/figures, dist/partitioner, dist/predictor,
# dist/profile] and run:
#     source .gpunode/setup.sh && bash bench/gpu-node-experiments.sh
# Without DejaVu fonts there the figures come back as SVG; for PNGs, unpack a tarball here and run
#     npx dynpipe figures all --logs figures/results/ttacc-full-gpunode/{pipedream,simple,dynpipe-re,dynpipe} --out figures/results/ttacc-full-gpunode
#
# What runs (the node's CPUs, wasm, real interference: busy processes pinned beside ranks 0 and 1,
# or 6 and 7): 8 ranks of mlp(hidden 512, 15 hidden layers), one core each (0-7), four modes each:
#   ttacc               500 microbatches, accuracy on 2000 test images every 100      <= 200 s
#   light-heavy         400 microbatches                                              <=  90 s
#   interference-trace  400 microbatches                                              <=  90 s
#   throughput          200 microbatches, mlp widths 512 and 1024                     <= 130 s
# Writes $OUT/<experiment>.tar.gz (logs, summaries, experiment.json, figures), $OUT/results.md
# (each experiment's table) and $OUT/log.txt (stderr). Unpack into figures/results/<experiment>-full-gpunode/
# (commit experiment.json, the runs' summary.json/plan.json/decisions.csv and the figures).
set -uo pipefail

if [[ ${1:-} == --prepare ]]; then
  set -e
  src=${DYNPIPE_DATA_DIR:-/usr/share/datasets/fashion-mnist}
  dst=.gpudata/fashion-mnist
  rm -rf .gpudata && mkdir -p "$dst"
  # IDX: 16-byte image header (count at bytes 4-7), 8-byte label header; keep the first N training samples
  python3 - "$src" "$dst" 16000 <<'PY'
import gzip, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for name, head, size, keep in [('train-images-idx3-ubyte', 16, 784, n), ('train-labels-idx1-ubyte', 8, 1, n),
                               ('t10k-images-idx3-ubyte', 16, 784, 2000), ('t10k-labels-idx1-ubyte', 8, 1, 2000)]:
    data = gzip.open(f'{src}/{name}.gz').read()
    out = data[:4] + struct.pack('>I', keep) + data[8:head] + data[head:head + keep * size]
    with gzip.open(f'{dst}/{name}.gz', 'wb', compresslevel=9) as f: f.write(out)
PY
  du -sh .gpudata
  exit 0
fi

out=${OUT:-/tmp/out}; mkdir -p "$out"
res=$out/results.md; log=$out/log.txt
[[ -d .gpudata/fashion-mnist ]] || { echo "no .gpudata/: run bash bench/gpu-node-experiments.sh --prepare here first, and carry .gpudata" | tee -a "$res"; exit 2; }
scale=${SCALE:-full}   # SCALE=tiny: a local smoke test of this script's plumbing
{ echo "# GPU-node experiments, $(date -u +%FT%TZ)"; nvidia-smi -L; echo "cores: $(nproc)"; lscpu | grep 'Model name'; node --version; command -v taskset; } >>"$res" 2>&1

experiment() { # experiment LIMIT_S NAME
  local limit=$1 name=$2 dir=$out/$2
  local t0=$SECONDS
  { echo; echo "## $name"; echo '```'; echo "\$ dynpipe experiment $name --scale $scale --data-dir .gpudata/fashion-mnist --out $name"; } >>"$res"
  timeout "$limit" node dist/runtime/cli/dynpipe.js experiment "$name" --scale "$scale" --data-dir .gpudata/fashion-mnist --out "$dir" >>"$res" 2>>"$log"
  local rc=$?
  echo '```' >>"$res"; echo "(exit $rc, $((SECONDS - t0)) s)" >>"$res"
  [[ -d $dir ]] && tar czf "$out/$name.tar.gz" -C "$out" "$name" && rm -rf "$dir"
}

experiment 200 ttacc
experiment 90 light-heavy
experiment 90 interference-trace
experiment 130 throughput
cat "$res"
