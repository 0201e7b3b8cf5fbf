#!/usr/bin/env bash
# Quick start: installs what is missing (Node 24, pnpm, Debian packages for the
# kernel-SCTP and network tests), builds, lints, type-checks and runs every
# test: the host suites with jest, then the SCTP suite inside User-Mode Linux.
# Ends with one line "N passed, N failed".
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"

ensure_node
ensure_pnpm
ensure_debian_packages $SHOAL_TEST_DEBIAN_PACKAGES
install_and_build
cd "$SHOAL_ROOT"
mkdir -p test/reports
rm -f test/reports/*.json

status=0
say "lint (eslint) ..."
pnpm exec eslint . || status=1
say "type-check (tsc) ..."
pnpm exec turbo run typecheck --output-logs=errors-only --log-prefix=none || status=1

say "host test suites (jest: core, transports, cluster tests with real processes on loopback) ..."
pnpm exec jest --ci --json --outputFile=test/reports/host.json || status=1

if [ -f packages/transport-sctp/package.json ] && grep -q '"test:uml"' packages/transport-sctp/package.json; then
  say "SCTP suite inside User-Mode Linux (a real kernel with SCTP) ..."
  pnpm --filter @shoal/transport-sctp run test:uml || status=1
fi

node scripts/lib/summary.js test/reports || status=1
exit $status
