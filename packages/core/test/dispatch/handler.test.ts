import { InstrumentedHandler } from '../../src/dispatch/handler';
import { HandlerTable } from '../../src/dispatch/handler-table';
import { WorkerMetrics } from '../../src/metrics/worker-metrics';
import { metricValue, spec } from './helpers';

describe('InstrumentedHandler.invoke (deprecated, until transport-sctp uses a Dispatcher)', () => {
  it('returns synchronous values as they are, and times them', async () => {
    const metrics = new WorkerMetrics();
    const handler = new InstrumentedHandler({ listener: 'echo', event: 'message', options: {}, name: 'A.echo', fn: (x: number) => x * 2 }, metrics.forListener(spec));
    expect(handler.invoke(21)).toBe(42);
    expect(await metricValue(metrics, 'shoal_handler_duration_seconds', { event: 'message' })).toBeGreaterThan(0);
  });

  it('counts a throw under its code and re-raises it as a ShoalError with the cause', async () => {
    const metrics = new WorkerMetrics();
    const cause = new Error('kaput');
    const table = new HandlerTable(
      [
        { listener: 'echo', event: 'message', options: {}, name: 'A.fails', fn: () => { throw cause; } },
        { listener: 'echo', event: 'connect', options: {}, name: 'A.rejects', fn: () => Promise.reject(Object.assign(new Error('no'), { code: 'E_APP_DENIED' })) },
      ],
      metrics.forListener(spec),
    );
    let thrown: any;
    try {
      table.get('message')!.invoke();
    } catch (error) {
      thrown = error;
    }
    expect(thrown.code).toBe('SHOAL_ERR_HANDLER_FAILED');
    expect(thrown.message).toBe('handler A.fails threw: kaput');
    expect(thrown.cause).toBe(cause);
    await expect(table.get('connect')!.invoke()).rejects.toMatchObject({ code: 'E_APP_DENIED' });
    expect(await metricValue(metrics, 'shoal_handler_errors_total', { code: 'SHOAL_ERR_HANDLER_FAILED', event: 'message' })).toBe(1);
    expect(await metricValue(metrics, 'shoal_handler_errors_total', { code: 'E_APP_DENIED', event: 'connect' })).toBe(1);
    expect(table.get('datagram')).toBeUndefined();
  });
});
