/**
 * ShoalOffload: a pool of worker threads (piscina) in each worker process,
 * for CPU-heavy functions exported by one module file, so that the event
 * loop keeps serving light requests while they run. The queue is bounded:
 * past it, `run` refuses at once with SHOAL_ERR_OFFLOAD_QUEUE_FULL, which the
 * transports answer as "busy" (HTTP 503 with Retry-After, `ERR <code>` frames
 * and datagrams).
 */
import type { Piscina } from 'piscina';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Counter as PromCounter, Gauge as PromGauge, Histogram as PromHistogram } from 'prom-client';
import { ERR_OFFLOAD_CLOSED, ERR_OFFLOAD_NOT_CONFIGURED, ERR_OFFLOAD_QUEUE_FULL, ERR_OFFLOAD_TASK_FAILED, ShoalError } from '../errors';
import type { Logger } from '../logger';
import type { ResolvedOffloadOptions } from '../config';

const TASK_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/;

class OffloadMetrics {
  readonly duration: Histogram<'task' | 'outcome'>;
  readonly rejections: Counter<'reason'>;

  constructor(registry: Registry, pool: () => Piscina | undefined) {
    const registers = [registry];
    new PromGauge({
      name: 'shoal_offload_queue_length',
      help: 'Offload tasks waiting for a thread (summed over workers).',
      registers,
      collect() { this.set(pool()?.queueSize ?? 0); },
    }) satisfies Gauge;
    new PromGauge({
      name: 'shoal_offload_utilization',
      help: 'Share of the offload threads\' capacity in use since they started, 0 to 1 (averaged over workers).',
      registers,
      aggregator: 'average',
      collect() { this.set(pool()?.utilization ?? 0); },
    });
    new PromGauge({
      name: 'shoal_offload_threads',
      help: 'Offload threads running (summed over workers).',
      registers,
      collect() { this.set(pool()?.threads.length ?? 0); },
    });
    this.duration = new PromHistogram({
      name: 'shoal_offload_task_duration_seconds',
      help: 'Offload tasks from submission to result (queue wait included), by task and outcome (ok, failed, aborted).',
      labelNames: ['task', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.rejections = new PromCounter({
      name: 'shoal_offload_rejections_total',
      help: 'Offload tasks refused because the queue was full (queue-full) or the pool was closing (closed).',
      labelNames: ['reason'],
      registers,
    });
    this.rejections.inc({ reason: 'queue-full' }, 0);
    this.rejections.inc({ reason: 'closed' }, 0);
  }
}

/** Injectable into application providers (see docs/offload.md). */
export class ShoalOffload {
  private pool: Piscina | undefined;
  private readonly metrics: OffloadMetrics;
  private closing = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly options: ResolvedOffloadOptions,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.metrics = new OffloadMetrics(registry, () => this.pool);
    if (options.module) {
      // piscina loads only where offload is configured: a worker without it never pays for the pool.
      const { Piscina: Pool } = require('piscina') as typeof import('piscina');
      this.pool = new Pool({
        filename: options.module,
        minThreads: options.threads,
        maxThreads: options.threads,
        // The queue bound is checked here, so that the refusal is immediate and typed.
        maxQueue: options.maxQueue + options.threads,
        idleTimeout: 60_000,
      });
      this.pool.on('error', (error: unknown) => this.logger.error({ err: error }, 'offload thread failed'));
    }
  }

  /** Tasks waiting for a thread now. */
  get queueLength(): number {
    return this.pool?.queueSize ?? 0;
  }

  /**
   * Runs the function `task` exported by offload.module with `input` (copied
   * to the thread with the structured clone algorithm) and resolves with its
   * result. Rejects with SHOAL_ERR_OFFLOAD_QUEUE_FULL when the queue is full,
   * SHOAL_ERR_OFFLOAD_CLOSED when the worker is shutting down, and
   * SHOAL_ERR_OFFLOAD_TASK_FAILED when the function threw.
   */
  run<R = unknown>(task: string, input?: unknown, options: { transferList?: readonly unknown[] } = {}): Promise<R> {
    if (!this.pool) return Promise.reject(new ERR_OFFLOAD_NOT_CONFIGURED());
    if (typeof task !== 'string' || !TASK_NAME.test(task)) return Promise.reject(new TypeError(`offload task must be the name of an exported function, got ${JSON.stringify(task)}`));
    if (this.closing) {
      this.metrics.rejections.inc({ reason: 'closed' });
      return Promise.reject(this.busy(new ERR_OFFLOAD_CLOSED(task, 'the pool no longer takes tasks')));
    }
    if (this.pool.queueSize >= this.options.maxQueue && this.busyThreads() >= this.options.threads) {
      this.metrics.rejections.inc({ reason: 'queue-full' });
      return Promise.reject(this.busy(new ERR_OFFLOAD_QUEUE_FULL(this.pool.queueSize)));
    }
    const stop = this.metrics.duration.startTimer({ task });
    const running = this.pool.run(input, { name: task, transferList: options.transferList as never }).then(
      (result: R) => {
        stop({ outcome: 'ok' });
        return result;
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (this.closing && /Terminating worker thread|destroyed|closed/i.test(message)) {
          stop({ outcome: 'aborted' });
          throw this.busy(new ERR_OFFLOAD_CLOSED(task, 'the drain deadline passed before it finished', { cause: error }));
        }
        if (/queue is at limit/i.test(message)) {
          stop({ outcome: 'aborted' });
          this.metrics.rejections.inc({ reason: 'queue-full' });
          throw this.busy(new ERR_OFFLOAD_QUEUE_FULL(this.pool?.queueSize ?? 0, { cause: error }));
        }
        stop({ outcome: 'failed' });
        if (error instanceof ShoalError) throw error;
        throw new ERR_OFFLOAD_TASK_FAILED(task, message, { cause: error });
      },
    );
    this.inFlight.add(running);
    const forget = (): void => void this.inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** A busy error carries the Retry-After the transports answer with. */
  private busy(error: ShoalError): ShoalError {
    return Object.assign(error, { retryAfterSeconds: this.options.retryAfterSeconds });
  }

  private busyThreads(): number {
    return this.inFlight.size - (this.pool?.queueSize ?? 0);
  }

  /**
   * The worker drains: no new task is taken; tasks queued or running finish
   * until `deadline` (epoch ms); the rest fail with SHOAL_ERR_OFFLOAD_CLOSED
   * when the threads are stopped. Resolves with the number of tasks cut.
   */
  async close(deadline: number): Promise<{ finished: number; aborted: number }> {
    if (!this.pool || this.closing) return { finished: 0, aborted: 0 };
    this.closing = true;
    const pending = [...this.inFlight];
    let timer: NodeJS.Timeout | undefined;
    const settled = Promise.allSettled(pending);
    const timedOut = await Promise.race([
      settled.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, deadline - Date.now())))),
    ]);
    clearTimeout(timer);
    const aborted = timedOut ? this.inFlight.size : 0;
    if (timedOut) this.logger.warn({ tasks: aborted }, 'offload tasks still running at the drain deadline; stopping their threads');
    await (timedOut ? this.pool.destroy() : this.pool.close()).catch(() => undefined);
    await settled;
    return { finished: pending.length - aborted, aborted };
  }
}
