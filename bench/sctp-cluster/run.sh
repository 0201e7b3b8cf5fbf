#!/usr/bin/env bash
# bench/sctp-cluster: association set-up rate and message rate of a Shoal SCTP
# cluster (1 and 2 workers) against a single process serving the same echo
# with the addon alone, all in one User-Mode Linux run. UML has one CPU, so
# read the ratios as the framework's overhead, not as scaling.
#
#   bash bench/sctp-cluster/run.sh      (from the repository root, after `pnpm exec turbo run build`)
# Environment: ROUNDS (3), SETUP_COUNT (300), MSG_SECONDS (4).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
[ -f "$ROOT/packages/transport-sctp/dist/transport.js" ] && [ -f "$ROOT/packages/sctp/dist/index.js" ] ||
  { echo "build first: pnpm exec turbo run build" >&2; exit 1; }
cd "$ROOT/bench"
exec bash "$ROOT/scripts/uml/run-in-uml.sh" env ROUNDS="${ROUNDS:-3}" SETUP_COUNT="${SETUP_COUNT:-300}" MSG_SECONDS="${MSG_SECONDS:-4}" \
  sh "$HERE/in-uml.sh"
