import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ERR_ADMIN_LISTEN } from '../errors';
import type { Logger } from '../logger';
import type { AdminOptions } from '../config';
import type { HeldHandle } from '../transport';
import type { SupervisorStatus } from './protocol';

/** What the admin endpoint needs from the supervisor (wired where the process starts). */
export interface AdminTarget {
  status(): SupervisorStatus;
  renderMetrics(): Promise<string>;
  readonly metricsContentType: string;
}

/**
 * Why /readyz answers 503, or null when it answers 200. 'stopping' comes
 * first of all, at once on a stop and while workers still serve (the shutdown
 * delay): a load balancer must look elsewhere before any listener closes.
 */
function notReadyReason(status: SupervisorStatus): 'starting' | 'stopping' | 'workers-not-ready' | null {
  if (status.state === 'stopping' || status.state === 'stopped') return 'stopping';
  if (status.state === 'starting') return 'starting';
  return status.ready === status.workers ? null : 'workers-not-ready';
}

/**
 * The supervisor's HTTP endpoint: GET /metrics (all workers, aggregated),
 * /healthz (the supervisor runs), /readyz (every slot has a ready worker and
 * no stop has begun; otherwise 503 with the reason; degraded slots named),
 * /status (slots as JSON). Bound to loopback unless configured otherwise.
 */
export class AdminServer {
  private readonly server: Server;
  /** Upgrade, new side: the old supervisor's listening socket, until this one accepts on it. */
  private adopted: HeldHandle | undefined;

  constructor(
    private readonly supervisor: AdminTarget,
    private readonly options: AdminOptions,
    private readonly logger: Logger,
  ) {
    this.server = createServer((req, res) => void this.route(req, res));
    this.server.keepAliveTimeout = 5_000;
  }

  /** As a part of the supervisor: binds before the first worker starts (an adopted socket waits for acceptAdopted()). */
  async open(): Promise<void> {
    if (this.adopted) return;
    await this.listen();
  }

  /** Upgrade, old side: the listening socket, for the new supervisor. */
  listeningSocket(): { endpoint: 'admin'; handle: HeldHandle } | undefined {
    const handle = (this.server as unknown as { _handle: HeldHandle | null })._handle;
    return this.server.listening && handle ? { endpoint: 'admin', handle } : undefined;
  }

  /** Upgrade, new side: serve the old supervisor's socket (same address) instead of binding one. */
  adoptListeningSocket(endpoint: string, handle: HeldHandle): boolean {
    if (endpoint !== 'admin') return false;
    this.adopted = handle;
    return true;
  }

  /** Upgrade, new side: the old supervisor stopped accepting; accept here. */
  async acceptAdopted(): Promise<void> {
    const handle = this.adopted;
    if (!handle) return;
    this.adopted = undefined;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      // net.Server#listen takes a raw TCP wrap as its own handle.
      this.server.listen(handle as never, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Upgrade, old side: the new supervisor serves the port; stop accepting (its copy of the socket stays open). */
  handedOver(): Promise<void> {
    return this.close();
  }

  /** The URL `shoal status` shows. */
  endpoint(): { admin: string | null } {
    const address = this.address();
    if (!address) return { admin: null };
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return { admin: `http://${host}:${address.port}` };
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void =>
        reject(new ERR_ADMIN_LISTEN(`${this.options.host}:${this.options.port}`, error.code ?? error.message, { cause: error }));
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        resolve(this.address()!);
      });
    });
  }

  address(): AddressInfo | null {
    const address = this.server.address();
    return address && typeof address === 'object' ? address : null;
  }

  close(): Promise<void> {
    if (this.adopted) {
      // Never accepted on it (a failed upgrade): close this process's copy only.
      (this.adopted as { close?: () => void }).close?.();
      this.adopted = undefined;
    }
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        this.send(res, 405, 'application/json', JSON.stringify({ error: 'only GET is served here' }));
      } else if (path === '/metrics') {
        this.send(res, 200, this.supervisor.metricsContentType, await this.supervisor.renderMetrics());
      } else if (path === '/healthz') {
        this.send(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
      } else if (path === '/readyz') {
        const status = this.supervisor.status();
        const reason = notReadyReason(status);
        // A degraded worker still serves, and so do the workers beside another process's socket on a port:
        // named here, but neither makes the answer 503.
        const degraded = status.slots.filter((s) => s.degraded).map((s) => ({ slot: s.slot, lagMs: s.worstLagMs, since: s.degradedSince }));
        const foreignListeners = status.foreignListeners.map((f) => ({ listener: f.listener, address: f.address, pids: [...f.processes.map((p) => p.pid), ...f.shoal.map((s) => s.pid)] }));
        const body = { ready: reason === null, ...(reason && { reason }), workers: status.workers, readyWorkers: status.ready, degraded, foreignListeners };
        this.send(res, reason ? 503 : 200, 'application/json', JSON.stringify(body));
      } else if (path === '/status') {
        this.send(res, 200, 'application/json', JSON.stringify(this.supervisor.status()));
      } else {
        this.send(res, 404, 'application/json', JSON.stringify({ error: 'not found; try /metrics, /healthz, /readyz, /status' }));
      }
    } catch (error) {
      this.logger.error({ event: 'admin.request-failed', err: error, path }, 'admin request failed');
      this.send(res, 500, 'application/json', JSON.stringify({ error: 'internal error; see the supervisor log' }));
    }
  }

  private send(res: ServerResponse, status: number, type: string, body: string): void {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}
