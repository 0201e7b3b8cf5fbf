import { InstrumentedHandler } from '../../src/dispatch/handler';
import { WorkerMetrics } from '../../src/metrics/worker-metrics';
import { histogramCount, metricValue, spec } from './helpers';

describe('InstrumentedHandler (what a Dispatcher runs)', () => {
  it('keeps its binding, times into its event\'s duration series, and counts failures under their code', async () => {
    const metrics = new WorkerMetrics();
    const fn = (x: number): number => x * 2;
    const handler = new InstrumentedHandler({ listener: 'echo', event: 'message', options: { path: '/' }, name: 'A.echo', fn }, metrics.forListener(spec));
    expect(handler).toMatchObject({ name: 'A.echo', event: 'message', options: { path: '/' }, fn });
    handler.duration.observe(0.001);
    handler.countError('E_APP_DENIED');
    handler.countError('E_APP_DENIED');
    expect(await histogramCount(metrics, 'shoal_handler_duration_seconds', { event: 'message' })).toBe(1);
    expect(await metricValue(metrics, 'shoal_handler_errors_total', { code: 'E_APP_DENIED', event: 'message' })).toBe(2);
  });
});
