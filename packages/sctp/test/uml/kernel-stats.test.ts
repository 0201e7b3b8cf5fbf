// The /proc/net/sctp reader on a live kernel.
import { readSctpKernelStats, sctpKernelMetrics } from '../../src';
import { pair } from './helpers';

test('kernel statistics show a live association and its endpoint', async () => {
  const p = await pair();
  const s = readSctpKernelStats();
  expect(s.snmp.SctpCurrEstab).toBeGreaterThanOrEqual(2);
  const mine = s.assocs.filter((a) => a.localPort === p.port || a.remotePort === p.port);
  expect(mine).toHaveLength(2);
  expect(mine.every((a) => a.inStreams === 16 && a.outStreams === 16)).toBe(true);
  expect(s.endpoints.some((e) => e.localPort === p.port && e.localAddresses.includes('127.0.0.1'))).toBe(true);
  const m = sctpKernelMetrics();
  expect(m.find((x) => x.name === 'shoal_sctp_kernel_curr_estab')!.values[0].value).toBe(s.snmp.SctpCurrEstab);
  await p.close();
});
