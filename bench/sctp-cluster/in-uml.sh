#!/bin/sh
# Runs inside User-Mode Linux (started by bench/sctp-cluster/run.sh).
set -e
cd "$(dirname "$0")/.."
for i in $(seq 2 30); do ip addr add "127.0.0.$i/8" dev lo 2>/dev/null || true; done
echo 8388608 >/proc/sys/net/core/wmem_max
echo 8388608 >/proc/sys/net/core/rmem_max
exec node sctp-cluster/bench.js
