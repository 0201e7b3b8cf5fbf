#!/bin/sh
# Runs inside User-Mode Linux (started by bench/sctp/run.sh): each benchmark
# with the C program, the addon and Node's TCP, in one guest, then the ratios.
set -e
cd "$(dirname "$0")"
BIN=${SCTP_BENCH_BIN:?}
RESULTS=${SCTP_BENCH_RESULTS:?}
: >"$RESULTS"
run() { # name, mode, size, count
  for round in 1 2 3 4 5; do
    "$BIN" "$2" "$3" "$4" | awk -v r="$round" '{ printf "{\"impl\":\"c\",\"mode\":\"%s\",\"size\":%s,\"count\":%s,\"seconds\":%s,\"rate\":%s,\"round\":%s}\n", $1, $2, $3, $4, $5, r }' >>"$RESULTS"
    node bench.js sctp "$2" "$3" "$4" | sed "s/}\$/,\"round\":$round}/" >>"$RESULTS"
    node bench.js tcp "$2" "$3" "$4" | sed "s/}\$/,\"round\":$round}/" >>"$RESULTS"
    if [ "$2" = bulk ]; then
      node bench.js sctp-cork "$2" "$3" "$4" | sed "s/}\$/,\"round\":$round}/" >>"$RESULTS"
    fi
  done
}
echo "[bench] kernel $(uname -r), node $(node -v), $(nproc) CPU"
run pingpong pingpong 64 ${PP_COUNT:-4000}
run pingpong pingpong 4096 ${PP_COUNT:-4000}
run bulk bulk 64 ${BULK_COUNT:-40000}
run bulk bulk 4096 ${BULK4K_COUNT:-20000}
node report.js "$RESULTS"
