/**
 * `shoal doctor`: what this host gives Shoal. Each check answers OK, WARN
 * (Shoal works, but something could bite under load) or FAIL (a feature
 * cannot work), with the change to make.
 */
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { release } from 'node:os';
import { MIN_NODE_VERSION, SYSTEMD_PACKAGE, nodeSupportsReusePort, resolvePackage } from '../config';
import type { ResolvedOptions } from '../config';
import { controlSocketPath } from '../control';
import { describeForeignListeners, findForeignListeners, ownedPort } from '../ownership';
import { loadSystemdBackend, readSystemdEnvironment, systemdVariablesSet, whySlotsShare } from '../systemd';

export type CheckStatus = 'OK' | 'WARN' | 'FAIL';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
  /** What to change, when the status is not OK. */
  fix?: string;
}

/** Recommended floors: a worker's accept backlog and its descriptors under many connections. */
const SOMAXCONN_MIN = 4096;
const NOFILE_MIN = 65536;

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

export function checkNode(version = process.versions.node): CheckResult {
  if (nodeSupportsReusePort(version)) return { check: 'node', status: 'OK', detail: `v${version} (>= ${MIN_NODE_VERSION} needed for SO_REUSEPORT)` };
  return {
    check: 'node',
    status: 'FAIL',
    detail: `v${version} lacks SO_REUSEPORT for net and dgram`,
    fix: `install Node ${MIN_NODE_VERSION} or newer (Node 24 LTS recommended); scripts/demo.sh installs one into .tools/`,
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', reusePort: true }, () => resolve((server.address() as { port: number }).port));
  });
}

export async function checkTcpReusePort(): Promise<CheckResult> {
  const first = createServer();
  const second = createServer();
  try {
    const port = await listen(first, 0);
    await listen(second, port);
    return { check: 'reuseport-tcp', status: 'OK', detail: `two TCP listeners share 127.0.0.1:${port}` };
  } catch (error) {
    return {
      check: 'reuseport-tcp',
      status: 'FAIL',
      detail: `a second SO_REUSEPORT TCP listener could not bind (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      fix: 'use a Linux kernel >= 3.9 and Node >= 22.12; workers cannot share ports without it',
    };
  } finally {
    first.close();
    second.close();
  }
}

export async function checkUdpReusePort(): Promise<CheckResult> {
  const first = createSocket({ type: 'udp4', reusePort: true });
  const second = createSocket({ type: 'udp4', reusePort: true });
  const bind = (socket: ReturnType<typeof createSocket>, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => resolve(socket.address().port));
    });
  try {
    const port = await bind(first, 0);
    await bind(second, port);
    return { check: 'reuseport-udp', status: 'OK', detail: `two UDP sockets share 127.0.0.1:${port}` };
  } catch (error) {
    return {
      check: 'reuseport-udp',
      status: 'FAIL',
      detail: `a second SO_REUSEPORT UDP socket could not bind (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      fix: 'use Node >= 22.12 (dgram reusePort) on Linux',
    };
  } finally {
    first.close();
    second.close();
  }
}

export function checkTcpMigrateReq(value = readProc('/proc/sys/net/ipv4/tcp_migrate_req')): CheckResult {
  if (value === null) {
    return {
      check: 'tcp_migrate_req',
      status: 'OK',
      detail: 'not available (kernel < 5.14): scaling down hands sockets to the remaining workers, nothing is lost',
    };
  }
  if (value === '1') return { check: 'tcp_migrate_req', status: 'OK', detail: '1: the kernel moves queued connections of a closed listener to its group' };
  return {
    check: 'tcp_migrate_req',
    status: 'OK',
    detail: `${value}: scaling down hands the removed workers' TCP sockets to the remaining ones (nothing is lost either way)`,
    fix: 'optional: sysctl -w net.ipv4.tcp_migrate_req=1 lets scale-down close those sockets instead',
  };
}

/**
 * Kernel SCTP: loaded (/proc/sys/net/sctp), loadable (a module for this
 * kernel), or absent; and the cookie HMAC, which authenticates the state
 * cookie of every new association.
 */
export function checkSctp(
  procDir = '/proc/sys/net/sctp',
  modulesDir = `/lib/modules/${release()}`,
): CheckResult {
  if (existsSync(procDir)) {
    const hmac = readProc(`${procDir}/cookie_hmac_alg`);
    if (hmac === 'none') {
      return {
        check: 'sctp',
        status: 'WARN',
        detail: 'kernel SCTP is loaded, but cookie_hmac_alg is none: association cookies are not authenticated',
        fix: 'sysctl -w net.sctp.cookie_hmac_alg=sha1 (or sha256)',
      };
    }
    if (hmac === 'md5') {
      return {
        check: 'sctp',
        status: 'WARN',
        detail: 'kernel SCTP is loaded; cookie_hmac_alg is md5',
        fix: 'sysctl -w net.sctp.cookie_hmac_alg=sha1 (md5 is weak and gone from newer kernels)',
      };
    }
    return { check: 'sctp', status: 'OK', detail: `kernel SCTP is loaded (cookie_hmac_alg ${hmac ?? 'unknown'})` };
  }
  const moduleFile = findSctpModule(modulesDir);
  if (moduleFile) {
    return {
      check: 'sctp',
      status: 'WARN',
      detail: `kernel SCTP is not loaded (module ${moduleFile} exists)`,
      fix: 'modprobe sctp (and add sctp to /etc/modules-load.d/ to keep it); needed only for SCTP listeners',
    };
  }
  return {
    check: 'sctp',
    status: 'WARN',
    detail: `this kernel (${release()}) has no SCTP: SCTP listeners cannot run here; TCP, UDP and HTTP are unaffected`,
    fix: 'run on a kernel built with CONFIG_IP_SCTP (Debian/Ubuntu stock kernels have it: apt install linux-image-amd64, or linux-modules-extra-$(uname -r))',
  };
}

function findSctpModule(modulesDir: string): string | null {
  for (const relative of ['kernel/net/sctp/sctp.ko', 'kernel/net/sctp/sctp.ko.xz', 'kernel/net/sctp/sctp.ko.zst', 'kernel/net/sctp/sctp.ko.gz']) {
    if (existsSync(`${modulesDir}/${relative}`)) return `${modulesDir}/${relative}`;
  }
  const builtin = readProc(`${modulesDir}/modules.builtin`);
  return builtin && /\/sctp\.ko$/m.test(builtin) ? 'built in' : null;
}

export function checkSomaxconn(value = readProc('/proc/sys/net/core/somaxconn')): CheckResult {
  const n = Number(value);
  if (value === null || !Number.isFinite(n)) return { check: 'somaxconn', status: 'WARN', detail: 'unreadable', fix: 'check /proc/sys/net/core/somaxconn' };
  if (n >= SOMAXCONN_MIN) return { check: 'somaxconn', status: 'OK', detail: `${n} (accept backlog per listener)` };
  return {
    check: 'somaxconn',
    status: 'WARN',
    detail: `${n}: a listener's accept queue is capped at ${n}; bursts beyond it are dropped while a worker restarts`,
    fix: `sysctl -w net.core.somaxconn=${SOMAXCONN_MIN} (and in /etc/sysctl.d/ to keep it)`,
  };
}

export function checkOpenFiles(limits = readProc('/proc/self/limits')): CheckResult {
  const match = limits ? /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits) : null;
  if (!match) return { check: 'open-files', status: 'WARN', detail: 'limit unknown', fix: 'check ulimit -n' };
  const soft = match[1] === 'unlimited' ? Infinity : Number(match[1]);
  if (soft >= NOFILE_MIN) return { check: 'open-files', status: 'OK', detail: `${match[1]} per process (soft), hard ${match[2]}` };
  return {
    check: 'open-files',
    status: 'WARN',
    detail: `${soft} per process: each connection is a descriptor, so a worker refuses connections beyond about ${soft}`,
    fix: `ulimit -n ${NOFILE_MIN} before shoal start, or LimitNOFILE=${NOFILE_MIN} in the systemd unit`,
  };
}

/** What socket activation gives when the passed socket cannot be one of several: said once, wherever it applies. */
const SHARED_QUEUE =
  'every worker accepts from the one passed socket: one shared accept queue, no per-worker kernel balancing ' +
  '(a busy worker may take more than its share); reloads still drop nothing, as the supervisor keeps the socket open';

/**
 * systemd: whether this process runs under it (Type=notify, socket
 * activation), whether @shoal/systemd is there for it, and, for each socket
 * passed to this very process (`shoal doctor` as ExecStartPre=, or under
 * systemd-socket-activate), whether the workers get a socket each or share it.
 */
export function checkSystemd(env: NodeJS.ProcessEnv = process.env, dirs: readonly string[] = [process.cwd()]): CheckResult[] {
  const environment = readSystemdEnvironment(env);
  const variables = systemdVariablesSet(environment);
  if (variables.length === 0) {
    return [{
      check: 'systemd',
      status: 'OK',
      detail:
        'not started by systemd here (no NOTIFY_SOCKET, no LISTEN_FDS). Under a .socket unit with ReusePort=yes each worker keeps a socket of its own; ' +
        `without it (or when the service may not bind the port: another user's socket, a port below 1024 without CAP_NET_BIND_SERVICE), ${SHARED_QUEUE}`,
      fix: 'docs/systemd.md has a Type=notify unit and a .socket unit',
    }];
  }
  if (resolvePackage(SYSTEMD_PACKAGE, dirs) === null) {
    return [{
      check: 'systemd',
      status: 'FAIL',
      detail: `${variables.join(' and ')} set, but ${SYSTEMD_PACKAGE} is not installed: shoal start would stop with SHOAL_ERR_SYSTEMD_NOT_INSTALLED`,
      fix: `npm install ${SYSTEMD_PACKAGE} next to the application (the same version as @shoal/core)`,
    }];
  }
  const results: CheckResult[] = [{ check: 'systemd', status: 'OK', detail: `${variables.join(' and ')} set; ${SYSTEMD_PACKAGE} is installed` }];
  const backend = loadSystemdBackend(environment, dirs);
  for (const { fd, name } of environment.passed) {
    let info;
    try {
      info = backend!.passedSocketInfo(fd);
    } catch (error) {
      results.push({ check: `socket fd ${fd}`, status: 'FAIL', detail: (error as Error).message });
      continue;
    }
    const what = `fd ${fd} (${name}): ${info.protocol} ${info.type} ${info.address ?? ''}:${info.port ?? ''}`;
    const shared = whySlotsShare(info);
    results.push(
      shared === null
        ? { check: `socket fd ${fd}`, status: 'OK', detail: `${what}: slot 0 serves it and every other worker opens its own beside it (SO_REUSEPORT)` }
        : { check: `socket fd ${fd}`, status: 'WARN', detail: `${what}: ${SHARED_QUEUE}, because ${shared}`, fix: 'ReusePort=yes in the .socket unit, with the service allowed to bind the port (same user, port >= ip_unprivileged_port_start or CAP_NET_BIND_SERVICE)' },
    );
  }
  return results;
}

/**
 * For each listener of a configuration: whether other processes already
 * listen on its port (the start would be refused, see docs/port-ownership.md).
 * The configuration's own supervisor, running, is no stranger: OK, named.
 */
export async function checkPorts(options: ResolvedOptions, configFile: string | null): Promise<CheckResult[]> {
  const ownSocket = options.control === null ? null : controlSocketPath(options.name, options.control.path);
  const results: CheckResult[] = [];
  for (const spec of options.listeners) {
    const check = `port of ${spec.name}`;
    if (spec.port === 0) {
      results.push({ check, status: 'OK', detail: 'port 0: the kernel picks a free port at start' });
      continue;
    }
    const port = await ownedPort(spec);
    const where = `${port.protocol} ${port.addresses.join(' ')} port ${port.port}`;
    const foreign = await findForeignListeners([port], [process.pid]);
    const ownService = foreign.filter((f) => f.processes.length === 0 && f.shoal.length > 0 && f.shoal.every((s) => s.controlSocket === ownSocket));
    const others = foreign.filter((f) => !ownService.includes(f));
    if (others.length === 0) {
      results.push({
        check,
        status: 'OK',
        detail: ownService.length > 0 ? `${where}: served by this configuration's own supervisor (${ownSocket}); nobody else listens` : `${where}: no other process listens on it`,
      });
    } else {
      results.push({
        check,
        status: spec.shareWithOthers === true ? 'WARN' : 'FAIL',
        detail:
          `${where}: ${describeForeignListeners(others)}` +
          (spec.shareWithOthers === true ? ' (shareWithOthers: they keep a share of its traffic)' : ': shoal start would refuse to start (SHOAL_ERR_LISTENER_PORT_SHARED)'),
        fix:
          spec.shareWithOthers === true
            ? 'stop them if they do not belong there'
            : `stop them, choose another port, or set listeners.${spec.name}.shareWithOthers: true in ${configFile ?? 'the configuration'} (docs/port-ownership.md)`,
      });
    }
  }
  return results;
}

/** The host's checks, and with a configuration, its ports. */
export async function runDoctor(config?: { options: ResolvedOptions; file: string | null }): Promise<CheckResult[]> {
  return [
    checkNode(),
    await checkTcpReusePort(),
    await checkUdpReusePort(),
    checkTcpMigrateReq(),
    checkSctp(),
    checkSomaxconn(),
    checkOpenFiles(),
    ...checkSystemd(),
    ...(config ? await checkPorts(config.options, config.file) : []),
  ];
}

export function renderDoctor(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.check.length));
  const lines = results.map((r) => `${r.status.padEnd(4)}  ${r.check.padEnd(width)}  ${r.detail}${r.fix ? `\n${' '.repeat(width + 8)}-> ${r.fix}` : ''}`);
  const failed = results.filter((r) => r.status === 'FAIL').length;
  const warned = results.filter((r) => r.status === 'WARN').length;
  lines.push('', failed ? `${failed} check(s) failed: Shoal cannot run fully here.` : warned ? `Shoal can run here; ${warned} warning(s) above.` : 'Shoal can run here.');
  return lines.join('\n');
}
