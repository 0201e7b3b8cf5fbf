#!/usr/bin/env bash
# bench/sctp-soak: the exactly-once stress run of @shoal/transport-sctp
# (packages/transport-sctp/test/uml/exactly-once/stress.js) for longer than CI
# runs it: rounds of a fresh 2-worker cluster with a one-to-one and a
# one-to-many listener, rolling reloads and SIGKILLs going on for --duration
# seconds per round, in one User-Mode Linux run.
#
#   bash bench/sctp-soak/run.sh [--rounds 3] [--duration 600] [--seed 0] [--kills 3]
#   (from the repository root, after `pnpm exec turbo run build`; --help lists the options)
#
# Exits 1 when a round found a failure (each is listed with its seed; repeat
# one round with --rounds 1 --seed <seed>).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
[ -f "$ROOT/packages/transport-sctp/dist/transport.js" ] && [ -f "$ROOT/packages/sctp/dist/index.js" ] ||
  { echo "build first: pnpm exec turbo run build" >&2; exit 1; }
# Options are checked on the host before the guest boots (--help stops here).
case " $* " in *" --help "* | *" -h "*) exec node "$HERE/soak.js" --help ;; esac
node "$HERE/soak.js" --check-only 1 "$@"
# The guest's timeout: every round's duration plus 15 minutes for its reloads, settling and boots.
duration=600 rounds=3
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --duration) duration=${args[i + 1]} ;;
    --rounds) rounds=${args[i + 1]} ;;
  esac
done
export SHOAL_UML_TIMEOUT=${SHOAL_UML_TIMEOUT:-$((rounds * (duration + 900) + 120))}
cd "$ROOT/packages/transport-sctp"
exec bash "$ROOT/scripts/uml/run-in-uml.sh" sh "$HERE/in-uml.sh" "$@"
