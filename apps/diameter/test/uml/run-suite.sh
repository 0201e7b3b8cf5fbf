#!/bin/sh
# Runs inside User-Mode Linux (see package.json test:uml): network set-up
# (extra loopback addresses for the multi-homed Shoal node), then the jest
# 'uml' project of @shoal/diameter-example: the node against freeDiameter.
# Arguments are passed to jest (e.g. -t "<name>").
set -e
cd "$(dirname "$0")/../.."
sh ../../scripts/uml/sctp-net.sh
# freeDiameter leaves loopback addresses (127/8) out of its endpoints and will
# not start with only those: the Diameter nodes get addresses of TEST-NET-1
# (RFC 5737) on lo: freeDiameter 192.0.2.1, the Shoal node 192.0.2.2 and
# 192.0.2.3 (multi-homed).
for i in 1 2 3 4; do ip addr add "192.0.2.$i/32" dev lo 2>/dev/null || true; done
# Under the repository's test command, the results also go to test/reports/
# (shared with the host), so that its closing "N passed, N failed" counts them.
if [ -n "${SHOAL_ROOT:-}" ] && [ -d "$SHOAL_ROOT/test/reports" ]; then
  set -- --json --outputFile="$SHOAL_ROOT/test/reports/diameter-uml.json" "$@"
fi
node ../../node_modules/jest/bin/jest.js --selectProjects uml --runInBand --forceExit "$@"
