#!/bin/sh
# Runs inside User-Mode Linux (see package.json test:uml): network set-up,
# then the jest 'uml' project of @shoal/transport-sctp (real Shoal clusters
# serving SCTP). Arguments are passed to jest (e.g. a test file pattern).
set -e
cd "$(dirname "$0")/../.."
sh ../../scripts/uml/sctp-net.sh
# Under the repository's test command, the results also go to test/reports/
# (shared with the host), so that its closing "N passed, N failed" counts them.
if [ -n "${SHOAL_ROOT:-}" ] && [ -d "$SHOAL_ROOT/test/reports" ]; then
  set -- --json --outputFile="$SHOAL_ROOT/test/reports/transport-sctp-uml.json" "$@"
fi
node ../../node_modules/jest/bin/jest.js --selectProjects uml --runInBand --forceExit "$@"
