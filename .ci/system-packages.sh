#!/usr/bin/env bash
# Installs the Debian packages dynpipe's tests need:
#  - dataset-fashion-mnist: the real data the training tests use;
#  - mesa-vulkan-drivers from bookworm-backports (lavapipe, 25.x) + libvulkan1, so the webgpu
#    backend runs on the CPU (bookworm's own Mesa 22.x does not work with Dawn);
#  - chromium: the dashboard tests drive it headless through puppeteer-core (/usr/bin/chromium).
# The backports suite is added to the machine's existing Debian source (same URIs), idempotently.
set -euo pipefail
src=/etc/apt/sources.list.d/debian.sources
SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
if [[ -f $src ]] && ! grep -q 'bookworm-backports' "$src"; then
  $SUDO sed -i -E '0,/^Suites: bookworm( |$)/s//Suites: bookworm bookworm-backports /' "$src"
fi
need=()
dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || need+=(dataset-fashion-mnist)
dpkg -s libvulkan1 >/dev/null 2>&1 || need+=(libvulkan1)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)
dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
mesa=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
[[ $mesa == 2[5-9].* ]] || need+=(mesa-vulkan-drivers)
if (( ${#need[@]} )); then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq -t bookworm-backports --no-install-recommends "${need[@]}" >/dev/null
fi
