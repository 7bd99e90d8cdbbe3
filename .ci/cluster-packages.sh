#!/usr/bin/env bash
# Installs the Debian packages the multi-host tests need, idempotently:
#  - slurm-wlm (slurmctld, slurmd, srun/sbatch) and munge: test/support/slurm-cluster.ts starts a
#    one-node cluster from them with its own config, key and state dirs (the packages' services
#    stay unused);
#  - iproute2: test/support/netns.ts makes two "hosts" from network namespaces and a veth pair.
# Tests that need them, or root, report themselves as skipped where they are missing.
set -euo pipefail
SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
need=()
for pkg in slurm-wlm munge iproute2; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if (( ${#need[@]} )); then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
