#!/bin/bash
# Transport across two "hosts" on one machine: two network namespaces joined by a veth pair
# (192.0.2.101 <-> 192.0.2.102, as in test/support/netns.ts), the bench in one and its peer in the
# other, then ipc and tcp loopback within one namespace for comparison. Needs root and iproute2.
#
#   bash bench/transport-netns.sh [bench options, e.g. --volume-mib 128]
#
# The namespaces are deleted on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=dist/bench/transport.js
a=dynpipe-bench-$$-a
b=dynpipe-bench-$$-b
cleanup() { ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; }
trap cleanup EXIT

ip netns add "$a"
ip netns add "$b"
ip link add veth0 netns "$a" type veth peer name veth0 netns "$b"
ip -n "$a" addr add 192.0.2.101/24 dev veth0
ip -n "$b" addr add 192.0.2.102/24 dev veth0
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; ip -n "$ns" link set veth0 up; done

echo "## tcp across the veth pair (peer in the other namespace)"
ip netns exec "$a" node "$bench" --transports tcp --tcp-addr 192.0.2.101 --peer-tcp-addr 192.0.2.102 --peer-netns "$b" "$@"
echo
echo "## ipc and tcp loopback on one host (both in one namespace)"
ip netns exec "$a" node "$bench" --transports ipc,tcp "$@"
