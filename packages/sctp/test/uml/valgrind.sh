#!/bin/sh
# Runs a short SCTP workload under valgrind (inside UML) and fails if valgrind
# reports memory errors in, or memory definitely lost from, the addon
# (shoal_sctp.node). Node's own allocations at exit are not ours to judge.
set -e
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install -y valgrind)" >&2; exit 1; }
LOG=/tmp/shoal-valgrind.log
echo "[valgrind] running test/uml/helpers/valgrind-workload.js under valgrind (slow in UML) ..."
valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --num-callers=30 --log-file="$LOG" node --jitless test/uml/helpers/valgrind-workload.js
node test/uml/helpers/valgrind-check.js "$LOG"
