/** Exit codes of every `shoal` command (docs/cli.md lists them too). */
export const EXIT = {
  ok: 0,
  /** The operation ran and failed: a reload aborted, a scale stopped, doctor found a problem, a start failed. */
  failed: 1,
  /** The command line or the configuration is wrong. */
  usage: 2,
  /** No supervisor could be reached: none running, stale socket, or not allowed to use it. */
  unreachable: 3,
} as const;

/** A mistake on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {}

const SOCKET_OPTIONS = `
Finding the supervisor:
  --socket <path>     its control socket (or SHOAL_CONTROL_SOCKET)
  --name <name>       its service name: <runtime dir>/<name>.sock
  --config <file>     read name / control.path from this config (default ./shoal.config.*)
  The runtime directory is SHOAL_RUNTIME_DIR, else /run/shoal for root,
  else $XDG_RUNTIME_DIR/shoal, else /tmp/shoal-<uid>.`;

export const HELP: Record<string, string> = {
  shoal: `Usage: shoal <command> [options]

Commands:
  start <app>     run the supervisor and its workers in the foreground
  status          one row per worker slot (--json for scripts)
  reload          rolling reload: replace workers one by one, nothing dropped
  scale <n>       run n workers
  upgrade         a new supervisor from the code on disk takes the sockets over
  stop            drain and stop the supervisor
  metrics         print the aggregated Prometheus metrics
  doctor          check what this host gives Shoal
  help <command>  help of one command

Every command takes --help. Exit codes: 0 ok, 1 the operation failed,
2 wrong command line or configuration, 3 no supervisor reachable.`,

  start: `Usage: shoal start [app] [options]

Runs the supervisor in the foreground (as systemd and containers expect):
one worker per slot, each loading <app>, a compiled module that exports the
application's root Nest module (default export, AppModule, or its only module).
<app> may also come from the config file's "app".

Options:
  --config <file>       config file (default ./shoal.config.{ts,mts,js,cjs,mjs,json}; or SHOAL_CONFIG)
  --workers <n>         worker processes (SHOAL_WORKERS; default: cores)
  --admin <host:port>   admin endpoint for /metrics /healthz /readyz /status, or "off" (SHOAL_ADMIN)
  --name <name>         service name: names the control socket (SHOAL_NAME; default "shoal")
  --socket <path>       control socket path (SHOAL_CONTROL_SOCKET)
  --log-level <level>   fatal, error, warn, info, debug, trace, silent (SHOAL_LOG_LEVEL)
  --log-format <fmt>    auto (pretty on a terminal), json, pretty (SHOAL_LOG_FORMAT)
  --shutdown-delay-ms <ms>
                        at a stop, serve this long with /readyz at 503 before
                        draining (SHOAL_SHUTDOWN_DELAY_MS; default 0)
  --check               validate the configuration and the app, print a summary, start nothing

Precedence: config file, then environment variables, then flags.
Listener ports: SHOAL_LISTENER_<NAME>_PORT / _HOST (e.g. SHOAL_LISTENER_HTTP_PORT=8080).`,

  status: `Usage: shoal status [--json] [--fleet] [options]

One row per worker slot: state, pid, uptime, restarts, open connections,
memory (RSS) and the version of the code it runs. --json prints the
documented, stable form (docs/cli.md).

  --fleet   every live host of the fleet instead (Redis; this host alone
            without a redis section): state, ready workers, version, heartbeat
${SOCKET_OPTIONS}`,

  reload: `Usage: shoal reload [--surge <n>] [--fleet [--resume]] [--json] [options]

Rolling reload: for each slot, boot a new worker on the slot's sockets, then
drain the old one. Shows each slot's progress; exits 0 when every slot was
replaced, 1 when the reload aborted (the old workers keep serving).

  --surge <n>   slots replaced at once (default: config reloadSurge)
  --fleet       reload every host of the fleet, one host at a time, under a
                Redis lease; refused while another fleet reload runs
  --resume      with --fleet: reload only the hosts an interrupted fleet
                reload did not finish
  --json        print the final report as JSON instead of progress lines
${SOCKET_OPTIONS}`,

  scale: `Usage: shoal scale <n> [options]

Runs n workers: new slots join the kernel's reuseport groups, removed slots
drain (their sockets are handed to the others, so nothing queued is lost).
${SOCKET_OPTIONS}`,

  upgrade: `Usage: shoal upgrade [--json] [options]

In-place upgrade of the supervisor itself (a new Shoal or Node version): a
new supervisor process starts from the code now on disk, takes over every
listening socket, the admin port and the control socket, and continues the
counters; once each of its slots has a ready worker, the old supervisor
drains its workers and exits. Nothing is closed, so nothing queued is lost.
Exits 0 once the old supervisor is gone; 1 when the new one failed (its
error is printed, and the old supervisor goes on serving, untouched).
SIGUSR2 to the supervisor does the same. The new supervisor is not a child
of the old one: under a terminal the shell gets its prompt back (see README).

  --json   print the final report as JSON instead of progress lines
${SOCKET_OPTIONS}`,

  stop: `Usage: shoal stop [options]

Graceful stop: /readyz answers 503 at once; workers keep serving for
shutdownDelayMs (default 0), then stop accepting, finish their work within
drainTimeoutMs, and the supervisor exits. Waits until it has exited.
${SOCKET_OPTIONS}`,

  metrics: `Usage: shoal metrics [options]

Prints the Prometheus exposition of every worker and the supervisor,
aggregated (what the admin endpoint's /metrics serves).
${SOCKET_OPTIONS}`,

  doctor: `Usage: shoal doctor [--config <file>] [--json]

Checks what this host gives Shoal: Node version, SO_REUSEPORT for TCP and
UDP, net.ipv4.tcp_migrate_req, kernel SCTP, somaxconn, the open-file limit.
With a configuration (--config, SHOAL_CONFIG, or a shoal.config.* here), also
its listeners' ports: whether other processes already listen on them (a
start would be refused; docs/port-ownership.md).
Each line says OK, WARN (works, could be better) or FAIL, and what to change.
Exits 1 when a check fails.`,
};
