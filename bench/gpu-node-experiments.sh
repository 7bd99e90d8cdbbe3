#!/usr/bin/env bash
# `dynpipe experiment <name> --scale full` on the 16-core GPU node (issue 7): about 9 minutes at
# most, each experiment under its own hard time limit so a slow one cannot take the others down.
#
# Once, here (the dev box), from the repo root after `npm ci && npx tsc -p .` and the .gpunode
# bundle (bash ../shared/gpu-node/bundle.sh):
#     bash bench/gpu-node-experiments.sh --prepare
# writes .gpudata/ (~10 MB, git-ignored): the first 19200 Fashion-MNIST training images and the
# 10000 test images (the node has no Debian dataset package), and fonts-dejavu-core for PNGs.
# Then through the device tool, with carry [.gpunode, dist, .gpudata]:
#     source .gpunode/setup.sh && bash bench/gpu-node-experiments.sh
#
# What runs (the node's CPUs, wasm, real interference: busy processes pinned beside ranks 0 and 1,
# or 6 and 7): 8 ranks of mlp(hidden 512, 15 hidden layers), one core each (0-7), four modes each:
#   ttacc               600 microbatches, accuracy on 2000 test images every 100      <= 200 s
#   light-heavy         400 microbatches                                              <=  90 s
#   interference-trace  400 microbatches                                              <=  90 s
#   throughput          200 microbatches, mlp widths 512 and 1024                     <= 130 s
# Writes $OUT/<experiment>.tar.gz (logs, summaries, experiment.json, figures), $OUT/results.md
# (each experiment's table) and $OUT/log.txt (stderr). Unpack into figures/results/<experiment>-full-gpunode/.
set -uo pipefail

if [[ ${1:-} == --prepare ]]; then
  set -e
  src=${DYNPIPE_DATA_DIR:-/usr/share/datasets/fashion-mnist}
  dst=.gpudata/fashion-mnist
  rm -rf .gpudata && mkdir -p "$dst"
  # IDX: 16-byte image header (count at bytes 4-7), 8-byte label header; keep the first N training samples
  python3 - "$src" "$dst" 19200 <<'PY'
import gzip, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for name, head, size in [('train-images-idx3-ubyte', 16, 784), ('train-labels-idx1-ubyte', 8, 1)]:
    data = gzip.open(f'{src}/{name}.gz').read()
    out = data[:4] + struct.pack('>I', n) + data[8:head] + data[head:head + n * size]
    with gzip.open(f'{dst}/{name}.gz', 'wb') as f: f.write(out)
PY
  cp "$src"/t10k-images-idx3-ubyte.gz "$src"/t10k-labels-idx1-ubyte.gz "$dst"/
  (cd .gpudata && apt-get download -qq fonts-dejavu-core)
  du -sh .gpudata
  exit 0
fi

out=${OUT:-/tmp/out}; mkdir -p "$out"
res=$out/results.md; log=$out/log.txt
[[ -d .gpudata/fashion-mnist ]] || { echo "no .gpudata/: run bash bench/gpu-node-experiments.sh --prepare here first, and carry .gpudata" | tee -a "$res"; exit 2; }
for f in .gpudata/fonts-dejavu-core*.deb; do [[ -f $f ]] && dpkg -x "$f" /; done
{ echo "# GPU-node experiments, $(date -u +%FT%TZ)"; nvidia-smi -L; echo "cores: $(nproc)"; lscpu | grep 'Model name'; node --version; command -v taskset; } >>"$res" 2>&1

experiment() { # experiment LIMIT_S NAME
  local limit=$1 name=$2 dir=$out/$2
  local t0=$SECONDS
  { echo; echo "## $name"; echo '```'; echo "\$ dynpipe experiment $name --scale full --data-dir .gpudata/fashion-mnist --out $name"; } >>"$res"
  timeout "$limit" node dist/runtime/cli/dynpipe.js experiment "$name" --scale full --data-dir .gpudata/fashion-mnist --out "$dir" >>"$res" 2>>"$log"
  local rc=$?
  echo '```' >>"$res"; echo "(exit $rc, $((SECONDS - t0)) s)" >>"$res"
  [[ -d $dir ]] && tar czf "$out/$name.tar.gz" -C "$out" "$name" && rm -rf "$dir"
}

experiment 200 ttacc
experiment 90 light-heavy
experiment 90 interference-trace
experiment 130 throughput
cat "$res"
