#!/usr/bin/env bash
# Quick start: installs what is missing (Node 24, pnpm, Debian packages for the
# kernel-SCTP and network tests), builds, lints, type-checks and runs every
# test: the host suites with jest, then the SCTP suites inside User-Mode Linux
# (one guest after the other).
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
say "import cycles (madge; type imports count too, which eslint's no-cycle lets pass) ..."
pnpm exec madge --circular --extensions ts --no-spinner packages/*/src apps/diameter/src || status=1
say "type-check (tsc) ..."
pnpm exec turbo run typecheck --output-logs=errors-only --log-prefix=none || status=1

say "host test suites (jest: core, transports, cluster tests with real processes on loopback) ..."
pnpm exec jest --ci --json --outputFile=test/reports/host.json || status=1

# The SCTP suites need a kernel with SCTP: each runs in its own User-Mode Linux
# guest, one guest after the other. A guest traps every system call of its
# processes through the host kernel (mostly system time) and keeps more than
# one core busy: two guests at once made each reload of @shoal/transport-sctp's
# cluster test 3-4x slower than alone (55-87 s instead of ~20 s), past its
# timeout, and the whole phase took 810-890 s; one after the other, 593 s
# (fresh clones, 2026-12-02). With the feature, delivery and stress tests and
# the Diameter example of issue 14 (and Node's compile cache in the guests,
# which made a reload ~13 s), 825 s: @shoal/sctp 100 s + valgrind,
# transport-sctp 558 s (exactly-once 219 s), Diameter 97 s (fresh clone,
# 2026-12-02, 12:27). Everything they load was built above;
# each guest has its own kernel, network and /tmp, and writes its own report
# (test/reports/<name>.json, see run-suite.sh).
say "SCTP suites inside User-Mode Linux (real kernels with SCTP): @shoal/sctp, @shoal/transport-sctp, then the Diameter example against freeDiameter ..."
uml_suite() { # label, package directory (packages/<name> or apps/<name>), then arguments of its run-suite.sh; fails with the guest's status (pipefail)
  local label=$1 dir=$2
  shift 2
  (cd "$dir" && bash ../../scripts/uml/run-in-uml.sh sh test/uml/run-suite.sh "$@") 2>&1 | sed -u "s/^/[$label] /"
}
uml_started=$(date +%s)
uml_suite sctp packages/sctp || { say "FAILED: the @shoal/sctp suite inside User-Mode Linux (lines prefixed [sctp] above)"; status=1; }
# The transport-sctp guest also runs the exactly-once stress test (10 reloads and 3 SIGKILLs under
# traffic): 2400 s instead of run-in-uml.sh's default 1200 for the whole suite.
SHOAL_UML_TIMEOUT=${SHOAL_UML_TIMEOUT:-2400} uml_suite transport-sctp packages/transport-sctp || { say "FAILED: the @shoal/transport-sctp suite inside User-Mode Linux (lines prefixed [transport-sctp] above)"; status=1; }
# The Diameter example (apps/diameter) with freeDiameter as its peer: one cluster, 10 reloads (a Nest
# boot per slot under trapped system calls each): a longer guest timeout than the default 1,200 s.
SHOAL_UML_TIMEOUT=${SHOAL_UML_TIMEOUT:-2400} uml_suite diameter apps/diameter || { say "FAILED: the Diameter example's suite against freeDiameter inside User-Mode Linux (lines prefixed [diameter] above)"; status=1; }
say "SCTP suites inside User-Mode Linux took $(($(date +%s) - uml_started)) s"

# Every suite must have reported: a guest that died before jest wrote its report counts as failed.
node scripts/lib/summary.js test/reports host sctp-uml transport-sctp-uml diameter-uml || status=1
exit $status
