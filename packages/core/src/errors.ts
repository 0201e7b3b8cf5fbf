/**
 * Every failure Shoal's core can report, one code each, with a message that
 * says what to do. Every package defines its codes with `defineError` (from @shoal/common,
 * re-exported here) in its own errors.ts. docs/errors.md documents every code (a test checks it).
 */

import { defineError } from '@shoal/common';

export { ShoalError, UNKNOWN_ERROR_CODE, defineError, definedErrorCodes, errorCodeOf, isShoalError } from '@shoal/common';
export type { ShoalErrorClass, ShoalErrorOptions } from '@shoal/common';

export const ERR_NODE_VERSION = defineError(
  'SHOAL_ERR_NODE_VERSION',
  (found: string, needed: string) =>
    `Shoal needs Node.js >= ${needed} (SO_REUSEPORT for net and dgram), but this is Node ${found}. ` +
    `Install Node 22.12+ or 24; scripts/demo.sh installs one into .tools/ for you.`,
);

export const ERR_CONFIG_INVALID = defineError(
  'SHOAL_ERR_CONFIG_INVALID',
  (problems: string[]) =>
    `invalid Shoal configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
    problems.map((p) => `  - ${p}`).join('\n'),
);

export const ERR_TRANSPORT_UNKNOWN = defineError(
  'SHOAL_ERR_TRANSPORT_UNKNOWN',
  (name: string, known: string[]) =>
    `no transport named "${name}" is registered; known: ${known.join(', ') || '(none)'}. ` +
    `Install its package (tcp, udp, http: @shoal/transport-tcp; sctp: @shoal/transport-sctp; others: @shoal/transport-<name>) ` +
    `next to the app, list it in the config's "transports", or pass it to run({ transports }).`,
);

export const ERR_LISTENER_ADDRESS_IN_USE = defineError(
  'SHOAL_ERR_LISTENER_ADDRESS_IN_USE',
  (listener: string, address: string, cause: string) =>
    `listener "${listener}" cannot bind ${address}: ${cause}`,
);

export const ERR_LISTENER_PORT_SHARED = defineError(
  'SHOAL_ERR_LISTENER_PORT_SHARED',
  (listener: string, address: string, holders: string) =>
    `listener "${listener}" (${address}): other processes already listen on this port: ${holders}. With SO_REUSEPORT ` +
    `the kernel would give them a share of its connections (without it, the bind fails). Stop them (a Shoal supervisor: ` +
    `shoal stop --socket <its control socket>), choose another port, or set listeners.${listener}.shareWithOthers: true ` +
    `to share the port on purpose (docs/port-ownership.md)`,
);

export const ERR_LISTENER_OPEN_FAILED = defineError(
  'SHOAL_ERR_LISTENER_OPEN_FAILED',
  (listener: string, address: string, reason: string) =>
    `listener "${listener}" could not open ${address}: ${reason}`,
);

export const ERR_HANDLER_UNKNOWN_LISTENER = defineError(
  'SHOAL_ERR_HANDLER_UNKNOWN_LISTENER',
  (handler: string, listener: string, known: string[]) =>
    `${handler} is bound to listener "${listener}", which is not in the configuration ` +
    `(configured: ${known.join(', ') || 'none'}). Fix the decorator's listener name or add the listener.`,
);

export const ERR_HANDLER_UNSUPPORTED_EVENT = defineError(
  'SHOAL_ERR_HANDLER_UNSUPPORTED_EVENT',
  (handler: string, event: string, listener: string, transport: string, events: readonly string[]) =>
    `${handler} handles "${event}" on listener "${listener}", but the ${transport} transport only emits ` +
    `${events.map((e) => `"${e}"`).join(', ')}. Use a decorator that matches the listener's transport.`,
);

export const ERR_HANDLER_DUPLICATE = defineError(
  'SHOAL_ERR_HANDLER_DUPLICATE',
  (event: string, listener: string, first: string, second: string) =>
    `both ${first} and ${second} handle "${event}" on listener "${listener}"; keep one of them.`,
);

export const ERR_HANDLER_FAILED = defineError(
  'SHOAL_ERR_HANDLER_FAILED',
  (handler: string, message: string) => `handler ${handler} threw: ${message}`,
);

export const ERR_HANDLER_REPLY_INVALID = defineError(
  'SHOAL_ERR_HANDLER_REPLY_INVALID',
  (handler: string, problem: string) =>
    `handler ${handler} returned a reply that cannot be sent: ${problem}. ` +
    `Return what the listener's transport sends (see its README), or undefined/null for no reply.`,
);

export const ERR_PAYLOAD_INVALID_JSON = defineError(
  'SHOAL_ERR_PAYLOAD_INVALID_JSON',
  (handler: string, reason: string) =>
    `the payload of a call to ${handler} is not valid JSON (${reason}); the handler takes it with @JsonPayload(). ` +
    `Send JSON, or take the raw payload with @Payload().`,
);

export const ERR_HANDLER_POLICY_UNSUPPORTED = defineError(
  'SHOAL_ERR_HANDLER_POLICY_UNSUPPORTED',
  (handler: string, policy: string, needed: string) =>
    `handler ${handler} cannot run with onHandlerError '${policy}': the transport's wire has no ${needed}. ` +
    `Choose a value the transport lists as supported (its options validation should have refused this one).`,
);

export const ERR_IPC_TIMEOUT = defineError(
  'SHOAL_ERR_IPC_TIMEOUT',
  (request: string, ms: number) =>
    `no answer to IPC request "${request}" within ${ms} ms; the other process is stuck or gone.`,
);

export const ERR_IPC_CLOSED = defineError(
  'SHOAL_ERR_IPC_CLOSED',
  (request: string) => `IPC request "${request}" failed: the channel to the other process is closed.`,
);

export const ERR_IPC_UNKNOWN_REQUEST = defineError(
  'SHOAL_ERR_IPC_UNKNOWN_REQUEST',
  (kind: string) =>
    `the other process does not know the IPC request "${kind}"; supervisor and worker run different Shoal versions — reload all workers.`,
);

export const ERR_WORKER_BOOT_FAILED = defineError(
  'SHOAL_ERR_WORKER_BOOT_FAILED',
  (slot: number, reason: string) => `worker of slot ${slot} failed to boot: ${reason}`,
);

export const ERR_WORKER_READY_TIMEOUT = defineError(
  'SHOAL_ERR_WORKER_READY_TIMEOUT',
  (slot: number, ms: number) =>
    `worker of slot ${slot} did not report ready within ${ms} ms (readyTimeoutMs); ` +
    `check the application's start hooks, or raise readyTimeoutMs.`,
);

export const ERR_SLOT_CRASH_LOOP = defineError(
  'SHOAL_ERR_SLOT_CRASH_LOOP',
  (slot: number, crashes: number, windowMs: number) =>
    `slot ${slot} crashed ${crashes} times within ${windowMs} ms and is no longer restarted; ` +
    `fix the cause in the worker logs, then reload or restart Shoal (restart.maxCrashes / restart.windowMs tune this).`,
);

export const ERR_SUPERVISOR_START_FAILED = defineError(
  'SHOAL_ERR_SUPERVISOR_START_FAILED',
  (reason: string) => `Shoal could not start: ${reason}`,
);

export const ERR_ADMIN_LISTEN = defineError(
  'SHOAL_ERR_ADMIN_LISTEN',
  (address: string, reason: string) =>
    `the admin endpoint could not listen on ${address}: ${reason}. Choose another admin address (config admin, or SHOAL_ADMIN=host:port).`,
);

export const ERR_RELOAD_REPLACEMENT_FAILED = defineError(
  'SHOAL_ERR_RELOAD_REPLACEMENT_FAILED',
  (slot: number, reason: string) =>
    `reload aborted: the replacement worker of slot ${slot} failed (${reason}); the old workers keep serving and ` +
    `the remaining slots were not touched. Fix the cause and reload again.`,
);

export const ERR_RELOAD_IN_PROGRESS = defineError(
  'SHOAL_ERR_RELOAD_IN_PROGRESS',
  () => `a reload is already running; wait for it to finish (its progress is in the log), then reload again.`,
);

export const ERR_SUPERVISOR_NOT_RUNNING = defineError(
  'SHOAL_ERR_SUPERVISOR_NOT_RUNNING',
  (operation: string, state: string) => `cannot ${operation} while the supervisor is ${state}; wait until it is running.`,
);

export const ERR_SCALE_FAILED = defineError(
  'SHOAL_ERR_SCALE_FAILED',
  (slot: number, reason: string) =>
    `scaling stopped: the first worker of the new slot ${slot} failed (${reason}); the slots that were running still run. Fix the cause and scale again.`,
);

export const ERR_SUPERVISOR_BUSY = defineError(
  'SHOAL_ERR_SUPERVISOR_BUSY',
  (operation: string, running: string) => `cannot ${operation} while a ${running} runs; wait for it to finish, then try again.`,
);

export const ERR_UPGRADE_FAILED = defineError(
  'SHOAL_ERR_UPGRADE_FAILED',
  (pid: number | null, reason: string) =>
    `the new supervisor${pid === null ? '' : ` (pid ${pid})`} did not take over, and the old one goes on serving, untouched; ` +
    `fix the cause (the log has the new supervisor's lines), then run shoal upgrade again. Its error: ${reason}`,
);

export const ERR_UPGRADE_PREDECESSOR_LOST = defineError(
  'SHOAL_ERR_UPGRADE_PREDECESSOR_LOST',
  (pid: number) =>
    `the old supervisor (pid ${pid}) went away before it handed over its sockets, so this new supervisor has nothing to serve and exits; ` +
    `start the service again (shoal start, or your process manager).`,
);

export const ERR_CONTROL_NO_SUPERVISOR = defineError(
  'SHOAL_ERR_CONTROL_NO_SUPERVISOR',
  (path: string) =>
    `no Shoal supervisor is running here: there is no control socket at ${path}. Start one with \`shoal start\`, ` +
    `or point to the right one with --socket, --config, SHOAL_CONTROL_SOCKET or SHOAL_RUNTIME_DIR.`,
);

export const ERR_CONTROL_STALE_SOCKET = defineError(
  'SHOAL_ERR_CONTROL_STALE_SOCKET',
  (path: string) =>
    `the control socket ${path} is stale: the supervisor that made it is gone (nothing listens on it). ` +
    `Start the service again (\`shoal start\` removes the stale file), or delete the file.`,
);

export const ERR_CONTROL_UNREACHABLE = defineError(
  'SHOAL_ERR_CONTROL_UNREACHABLE',
  (path: string, reason: string) =>
    `cannot reach the supervisor at ${path}: ${reason}. Check that the path is the supervisor's control socket ` +
    `(\`shoal status --socket <path>\`) and that this user may open it.`,
);

export const ERR_CONTROL_PERMISSION = defineError(
  'SHOAL_ERR_CONTROL_PERMISSION',
  (path: string, ownerUid: number | null) =>
    `permission denied on the control socket ${path}: only the user that runs the supervisor` +
    `${ownerUid === null ? '' : ` (uid ${ownerUid})`} and root may use it. Run the command as that user (sudo -u) or as root.`,
);

export const ERR_CONTROL_SOCKET_IN_USE = defineError(
  'SHOAL_ERR_CONTROL_SOCKET_IN_USE',
  (path: string) =>
    `another supervisor is already running with the control socket ${path}. Stop it (\`shoal stop\`), or give this ` +
    `service another name (config name) or socket (config control.path, SHOAL_RUNTIME_DIR).`,
);

export const ERR_CONTROL_RUNTIME_DIR = defineError(
  'SHOAL_ERR_CONTROL_RUNTIME_DIR',
  (dir: string, reason: string) =>
    `the control socket's directory ${dir} cannot be used: ${reason}. Set SHOAL_RUNTIME_DIR (or config control.path) to a ` +
    `directory this user owns, or turn the control socket off with control: false.`,
);

export const ERR_CONTROL_PROTOCOL = defineError(
  'SHOAL_ERR_CONTROL_PROTOCOL',
  (detail: string) => `the control socket answered something unexpected (${detail}); the supervisor and this shoal command may be of different versions.`,
);

export const ERR_CONTROL_UNKNOWN_COMMAND = defineError(
  'SHOAL_ERR_CONTROL_UNKNOWN_COMMAND',
  (command: string, known: string[]) => `the supervisor does not know the command "${command}" (known: ${known.join(', ')}); update the shoal command or the supervisor.`,
);

export const ERR_APP_LOAD = defineError(
  'SHOAL_ERR_APP_LOAD',
  (file: string, reason: string) => `could not load the application ${file}: ${reason}`,
);

export const ERR_APP_DEFINITION_INVALID = defineError(
  'SHOAL_ERR_APP_DEFINITION_INVALID',
  (problems: string[]) => `invalid defineApp() definition: ${problems.join('; ')}`,
);

export const ERR_APP_LISTEN = defineError(
  'SHOAL_ERR_APP_LISTEN',
  () =>
    'app.listen() was called in the app\'s configure(); Shoal opens the listeners of the configuration ' +
    'itself (give the HTTP listener options.platform), so remove the listen() call',
);

export const ERR_APP_PLATFORM_SEVERAL = defineError(
  'SHOAL_ERR_APP_PLATFORM_SEVERAL',
  (listeners: string[]) =>
    `listeners ${listeners.join(', ')} serve the app on different Nest platforms, but a Nest application runs on one; ` +
    `give every listener with options.platform the same one`,
);

export const ERR_CONFIG_FILE = defineError(
  'SHOAL_ERR_CONFIG_FILE',
  (file: string, reason: string) => `could not read the configuration file ${file}: ${reason}`,
);

export const ERR_CONFIG_CHANGED = defineError(
  'SHOAL_ERR_CONFIG_CHANGED',
  (detail: string) =>
    `the listeners in the configuration changed since the supervisor started (${detail}); a reload replaces code, not sockets. ` +
    `Undo the listener change, or restart the service (\`shoal stop\`, then \`shoal start\`) to apply it.`,
);

export const ERR_REDIS_NOT_INSTALLED = defineError(
  'SHOAL_ERR_REDIS_NOT_INSTALLED',
  (pkg: string, dirs: readonly string[]) =>
    `the configuration has a redis section, but the package ${pkg} is not installed (looked for it from ${dirs.join(', ')}). ` +
    `Install it next to the application (npm install ${pkg}, the same version as @shoal/core), or remove the redis section to run this host alone.`,
);

export const ERR_REDIS_PACKAGE_INVALID = defineError(
  'SHOAL_ERR_REDIS_PACKAGE_INVALID',
  (pkg: string, file: string, missing: readonly string[]) =>
    `${pkg} (${file}) does not export ${missing.join(', ')}, which this @shoal/core needs; ` +
    `install versions of ${pkg} and @shoal/core that match.`,
);

export const ERR_SYSTEMD_NOT_INSTALLED = defineError(
  'SHOAL_ERR_SYSTEMD_NOT_INSTALLED',
  (pkg: string, variables: readonly string[], dirs: readonly string[]) =>
    `the environment has ${variables.join(' and ')} (this process runs under systemd), but the package ${pkg}, which talks to systemd, ` +
    `is not installed (looked for it from ${dirs.join(', ')}). Install it next to the application (npm install ${pkg}, the same ` +
    `version as @shoal/core), or drop Type=notify and the .socket unit from the service.`,
);

export const ERR_SYSTEMD_PACKAGE_INVALID = defineError(
  'SHOAL_ERR_SYSTEMD_PACKAGE_INVALID',
  (pkg: string, file: string, missing: readonly string[]) =>
    `${pkg} (${file}) does not export ${missing.join(', ')}, which this @shoal/core needs; ` +
    `install versions of ${pkg} and @shoal/core that match.`,
);

export const ERR_SOCKET_ACTIVATION_ENV = defineError(
  'SHOAL_ERR_SOCKET_ACTIVATION_ENV',
  (variable: string, expected: string, got: string) =>
    `socket activation: ${variable} must be ${expected}, got ${JSON.stringify(got)}. ` +
    `systemd sets LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES itself; a launcher that sets them must follow sd_listen_fds(3).`,
);

export const ERR_SOCKET_ACTIVATION_UNMATCHED = defineError(
  'SHOAL_ERR_SOCKET_ACTIVATION_UNMATCHED',
  (fd: number, name: string, listeners: readonly string[]) =>
    `socket activation: descriptor ${fd} (FileDescriptorName=${name}) fits no listener; the listeners are ${listeners.join(', ')}. ` +
    `Name each socket of the .socket unit after its listener (FileDescriptorName=<listener name>), or remove the socket.`,
);

export const ERR_SOCKET_ACTIVATION_MISMATCH = defineError(
  'SHOAL_ERR_SOCKET_ACTIVATION_MISMATCH',
  (listener: string, fd: number, what: string, expected: string, got: string) =>
    `socket activation: listener "${listener}" got descriptor ${fd}, whose ${what} is ${got}, but the listener needs ${expected}. ` +
    `Fix the .socket unit (ListenStream= for tcp and http, ListenDatagram= for udp, ListenSequentialPacket=/SocketProtocol=sctp for sctp; ` +
    `the listener's port and address family) or the listener's configuration, so that they agree.`,
);

export const ERR_STORE_FAILED = defineError(
  'SHOAL_ERR_STORE_FAILED',
  (operation: string, key: string, reason: string) =>
    `store ${operation} of key "${key}" failed: ${reason}. The value was not changed (or not read); retry, or answer the client with an error.`,
);

export const ERR_STORE_NOT_A_NUMBER = defineError(
  'SHOAL_ERR_STORE_NOT_A_NUMBER',
  (key: string) => `store key "${key}" holds a value that is not an integer, so it cannot be incremented; delete it or use another key.`,
);

export const ERR_STORE_INVALID_ARGUMENT = defineError(
  'SHOAL_ERR_STORE_INVALID_ARGUMENT',
  (problem: string) => `invalid store call: ${problem}.`,
);

export const ERR_BROADCAST_FAILED = defineError(
  'SHOAL_ERR_BROADCAST_FAILED',
  (channel: string, reason: string) =>
    `broadcast on channel "${channel}" was not sent: ${reason}. Nobody received it; retry later.`,
);

export const ERR_FLEET_RELOAD_IN_PROGRESS = defineError(
  'SHOAL_ERR_FLEET_RELOAD_IN_PROGRESS',
  (owner: string, since: string) =>
    `a fleet reload started by host "${owner}" at ${since} is still running; wait for it to finish ` +
    `(shoal status --fleet shows the hosts), then start another.`,
);

export const ERR_FLEET_RELOAD_FAILED = defineError(
  'SHOAL_ERR_FLEET_RELOAD_FAILED',
  (host: string, reason: string) =>
    `fleet reload stopped at host "${host}": ${reason}. Hosts after it were not reloaded; fix the cause and run the fleet reload again with resume.`,
);

export const ERR_FLEET_NOTHING_TO_RESUME = defineError(
  'SHOAL_ERR_FLEET_NOTHING_TO_RESUME',
  () => `there is no unfinished fleet reload to resume; start a new fleet reload instead.`,
);

export const ERR_OFFLOAD_QUEUE_FULL = defineError(
  'SHOAL_ERR_OFFLOAD_QUEUE_FULL',
  (queued: number) =>
    `the offload pool of this worker is busy (${queued} tasks queued, offload.maxQueue); the request was refused — ` +
    `retry later, or raise offload.maxQueue / offload.threads.`,
);

export const ERR_OFFLOAD_NOT_CONFIGURED = defineError(
  'SHOAL_ERR_OFFLOAD_NOT_CONFIGURED',
  () => `ShoalOffload.run was called, but the configuration has no offload.module; set offload.module to the file that exports the task functions.`,
);

export const ERR_OFFLOAD_TASK_FAILED = defineError(
  'SHOAL_ERR_OFFLOAD_TASK_FAILED',
  (task: string, reason: string) => `offload task "${task}" failed: ${reason}`,
);

export const ERR_OFFLOAD_CLOSED = defineError(
  'SHOAL_ERR_OFFLOAD_CLOSED',
  (task: string, why: string) =>
    `offload task "${task}" did not finish: ${why}. The worker is shutting down; the client should retry (another worker serves it).`,
);

/** Errors that mean "busy, try again later": transports answer them as such (HTTP 503 with Retry-After). */
const BUSY_CODES = new Set([ERR_OFFLOAD_QUEUE_FULL.code, ERR_OFFLOAD_CLOSED.code]);

/** Whether a handler's error means the server is busy (the client may retry), rather than a failure. */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && BUSY_CODES.has(code);
}
