#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs the demo service in
# the foreground with `shoal start` (Ctrl-C stops it gracefully). Extra
# arguments go to `shoal start` (e.g. --workers 2).
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
ensure_node
ensure_pnpm
install_and_build
cd "$SHOAL_ROOT/apps/demo"
shoal="node $SHOAL_ROOT/packages/core/bin/shoal.js"
port() { local var="SHOAL_LISTENER_$1_PORT"; echo "${!var:-$2}"; }
admin="${SHOAL_ADMIN:-127.0.0.1:9464}"
cat >&2 <<TRY
[shoal setup] starting the demo (apps/demo, config apps/demo/shoal.config.ts); Ctrl-C stops it.
  Try, from another terminal:
    curl -X PUT -H 'x-demo-token: demo' -H 'content-type: application/json' -d '{"value":"world"}' http://127.0.0.1:$(port HTTP 8080)/kv/hello   # store a value (JSON API)
    curl http://127.0.0.1:$(port HTTP 8080)/kv/hello                                 # read it back, from any worker
    npx wscat -c ws://127.0.0.1:$(port HTTP 8080)/kv/changes   # then type {"event":"subscribe","data":{"prefix":"hel"}}: every change of hel*, pushed
    printf 'GET hello' | socat -t1 - UDP:127.0.0.1:$(port KV_UDP 7073)               # the same key over UDP
    node apps/demo/kv-client.js get hello                                # over TCP (length-prefixed JSON)
    printf 'hi\n' | socat - TCP:127.0.0.1:$(port ECHO 7070)                         # line echo
    curl http://$admin/metrics                                        # every worker's metrics, summed
    $shoal status        # one row per worker (run from apps/demo, or with --name demo)
    $shoal reload        # rolling reload, nothing dropped
TRY
exec $shoal start "$@"
