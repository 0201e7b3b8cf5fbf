#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs the demo cluster in
# the foreground (Ctrl-C stops it gracefully).
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
ensure_node
ensure_pnpm
install_and_build
say "starting the demo cluster (apps/demo); Ctrl-C stops it"
cd "$SHOAL_ROOT/apps/demo"
exec node dist/main.js "$@"
