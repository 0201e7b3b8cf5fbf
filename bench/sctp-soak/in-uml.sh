#!/bin/sh
# Runs inside User-Mode Linux (started by bench/sctp-soak/run.sh): the
# network of the SCTP suites, then the soak.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
sh "$HERE/../../scripts/uml/sctp-net.sh"
exec node "$HERE/soak.js" "$@"
