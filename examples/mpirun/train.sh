#!/bin/bash
# Trains a dynpipe plan under Open MPI: mpirun starts one `dynpipe worker` per slot, and each reads
# its rank, world size and local rank from OMPI_COMM_WORLD_RANK, _SIZE and _LOCAL_RANK. Open MPI
# names no coordinator, so this script exports one: rank 0's host, which is the first host of the
# hostfile (mpirun maps ranks to hosts in hostfile order), and a port. Rank 0 also runs the
# coordinator.
#
#   examples/mpirun/train.sh -np 8 --hostfile hosts.txt
#   DYNPIPE_PLAN=runs/plan.json examples/mpirun/train.sh -np 4 -- --dataset cifar10
#
# Arguments before `--` go to mpirun, arguments after it to every worker. The number of processes
# must equal the plan's world size. Settings (environment):
#   DYNPIPE_MASTER_ADDR  coordinator host (default: first host of --hostfile, else this host)
#   DYNPIPE_MASTER_PORT  coordinator port (default 29500)
#   DYNPIPE_PLAN, DYNPIPE_MINIBATCHES, DYNPIPE_DATA_DIR, DYNPIPE_BACKEND, DYNPIPE_LOG_DIR, DYNPIPE
#                        as in examples/slurm/train.sbatch
set -euo pipefail

mpirun_args=()
while (( $# )) && [[ $1 != -- ]]; do mpirun_args+=("$1"); shift; done
if (( $# )); then shift; fi
worker_args=("$@")

hostfile=""
for ((i = 0; i < ${#mpirun_args[@]}; i++)); do
  case ${mpirun_args[i]} in
    --hostfile | -hostfile | --machinefile | -machinefile) hostfile=${mpirun_args[i + 1]:-} ;;
  esac
done
if [[ -z ${DYNPIPE_MASTER_ADDR:-} ]]; then
  if [[ -n $hostfile ]]; then
    DYNPIPE_MASTER_ADDR=$(awk '!/^[[:space:]]*(#|$)/ { print $1; exit }' "$hostfile")
  else
    DYNPIPE_MASTER_ADDR=$(hostname)
  fi
fi
export DYNPIPE_MASTER_ADDR
export DYNPIPE_MASTER_PORT=${DYNPIPE_MASTER_PORT:-29500}
# Inside a Slurm allocation every rank also inherits SLURM_PROCID; read Open MPI's variables only.
export DYNPIPE_LAUNCHER=openmpi

plan=${DYNPIPE_PLAN:-plan.json}
minibatches=${DYNPIPE_MINIBATCHES:-1000}
backend=${DYNPIPE_BACKEND:-webgpu}
log_dir=${DYNPIPE_LOG_DIR:-runs}/mpirun-$(date +%Y%m%d-%H%M%S)
read -r -a dynpipe <<< "${DYNPIPE:-dynpipe}"
data_dir=()
if [[ -n ${DYNPIPE_DATA_DIR:-} ]]; then data_dir=(--data-dir "$DYNPIPE_DATA_DIR"); fi

mkdir -p "$log_dir"
exec mpirun "${mpirun_args[@]}" \
  -x DYNPIPE_MASTER_ADDR -x DYNPIPE_MASTER_PORT -x DYNPIPE_LAUNCHER -x PATH \
  "${dynpipe[@]}" worker \
  --config-path "$plan" \
  --num-minibatches "$minibatches" \
  "${data_dir[@]}" \
  --backend "$backend" \
  --mode pipedream \
  --log-dir "$log_dir" \
  "${worker_args[@]}"
