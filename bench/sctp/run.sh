#!/usr/bin/env bash
# bench/sctp: messages per second of the SCTP addon against a C program doing
# the same over the same kernel, and against Node's TCP, all in one User-Mode
# Linux run (the host kernel may have no SCTP). Compare only the ratios: UML
# has one CPU and traps every syscall.
#
#   bash bench/sctp/run.sh            (from the repository root; build the package first:
#                                      pnpm --filter @shoal/sctp build)
# Environment: PP_COUNT, BULK_COUNT, BULK4K_COUNT (message counts).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT="$ROOT/.uml-run/bench-sctp"
mkdir -p "$OUT"
[ -f "$ROOT/packages/sctp/dist/index.js" ] ||
  { echo "build @shoal/sctp first: pnpm --filter @shoal/sctp build" >&2; exit 1; }
gcc -O2 -Wall -o "$OUT/sctp_bench" "$HERE/sctp_bench.c"
cd "$ROOT"
SCTP_BENCH_BIN="$OUT/sctp_bench" SCTP_BENCH_RESULTS="$OUT/results.jsonl" \
  bash "$ROOT/scripts/uml/run-in-uml.sh" env SCTP_BENCH_BIN="$OUT/sctp_bench" SCTP_BENCH_RESULTS="$OUT/results.jsonl" \
  PP_COUNT="${PP_COUNT:-4000}" BULK_COUNT="${BULK_COUNT:-40000}" BULK4K_COUNT="${BULK4K_COUNT:-20000}" \
  sh "$HERE/in-uml.sh"
