/**
 * The host-wide services the supervisor offers its workers over IPC: the
 * embedded ShoalStore (atomic here, in one process) and the ShoalBroadcast
 * fan-out to every live worker. With a `redis` section workers go to Redis
 * themselves and nothing asks the hub.
 */
import type { SupervisorRequests } from '../ipc';
import { MemoryStore } from '../services';

type ServiceKind = 'store' | 'broadcast';

/** What the hub needs of a worker process. */
export interface ServiceWorker {
  readonly state: string;
  onServiceRequest<K extends ServiceKind>(kind: K, handler: (params: SupervisorRequests[K]['params']) => Promise<SupervisorRequests[K]['result']>): void;
  sendBroadcast(channel: string, message: unknown): Promise<void>;
}

export class ServiceHub {
  private readonly store = new MemoryStore();

  /** `workers()`: the host's worker processes right now. */
  constructor(private readonly workers: () => readonly ServiceWorker[]) {}

  /** Serves a new worker's store and broadcast requests. */
  attachWorker(worker: ServiceWorker): void {
    worker.onServiceRequest('store', async (operation) => this.store.executeNow(operation, Date.now()));
    worker.onServiceRequest('broadcast', async ({ channel, message }) => {
      const live = this.workers().filter((w) => w.state === 'ready' || w.state === 'booting');
      const sent = await Promise.all(live.map((w) => w.sendBroadcast(channel, message).then(() => 1, () => 0)));
      return { delivered: sent.reduce<number>((a, b) => a + b, 0) };
    });
  }

  async close(): Promise<void> {
    this.store.close();
  }
}
