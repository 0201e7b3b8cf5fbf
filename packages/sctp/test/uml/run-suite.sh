#!/bin/sh
# Runs inside User-Mode Linux (see package.json test:uml): network set-up,
# the jest 'uml' project, then the valgrind leak check of the addon.
# Arguments are passed to jest (e.g. a test file pattern).
set -e
cd "$(dirname "$0")/../.."
# Extra loopback addresses: clients with distinct source addresses, and a
# multi-homed peer.
for i in $(seq 2 30); do ip addr add "127.0.0.$i/8" dev lo 2>/dev/null || true; done
# ipv6.ko is loaded after lo came up: give lo its ::1.
ip -6 addr add ::1/128 dev lo 2>/dev/null || true
echo "[uml-suite] kernel $(uname -r), node $(node -v), $(nproc) CPU"
# Let sockets have send buffers big enough for multi-MiB messages (the
# kernel caps SO_SNDBUF/SO_RCVBUF at twice these; see README "Known limits").
echo 8388608 >/proc/sys/net/core/wmem_max
echo 8388608 >/proc/sys/net/core/rmem_max
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
