#!/bin/sh
# Runs inside User-Mode Linux (see package.json test:uml): network set-up,
# the jest 'uml' project of @shoal/sctp, then the valgrind leak check of the
# addon. Arguments are passed to jest (e.g. a test file pattern).
set -e
cd "$(dirname "$0")/../.."
sh ../../scripts/uml/sctp-net.sh
# Under the repository's test command, the results also go to test/reports/
# (shared with the host), so that its closing "N passed, N failed" counts them.
if [ -n "${SHOAL_ROOT:-}" ] && [ -d "$SHOAL_ROOT/test/reports" ]; then
  set -- --json --outputFile="$SHOAL_ROOT/test/reports/sctp-uml.json" "$@"
fi
node ../../node_modules/jest/bin/jest.js --selectProjects uml --runInBand --forceExit "$@"
# The full suite (no test file pattern given) always ends with the valgrind check.
if [ $# -eq 0 ] || { [ $# -eq 2 ] && [ "$1" = --json ]; }; then
  sh test/uml/valgrind.sh
fi
