// The /proc/net/sctp reader against files captured inside UML with a
// multi-homed association up (test/host/fixtures/proc-net-sctp).
import * as path from 'node:path';
import { readSctpAssocs, readSctpEndpoints, readSctpSnmp, sctpKernelMetrics } from '../../src';

const root = path.join(__dirname, 'fixtures/proc-net-sctp');

describe('kernel stats reader', () => {
  test('snmp', () => {
    const s = readSctpSnmp(root);
    expect(s.SctpCurrEstab).toBe(2);
    expect(s.SctpActiveEstabs).toBe(1);
    expect(s.SctpPassiveEstabs).toBe(1);
  });

  test('assocs, with multi-homed address lists and the primary path', () => {
    const a = readSctpAssocs(root);
    expect(a).toHaveLength(2);
    expect(a[0]).toMatchObject({
      localPort: 59234, remotePort: 47472, localAddresses: ['127.0.0.20'],
      remoteAddresses: ['127.0.0.10', '127.0.0.11'], primary: '127.0.0.10',
      hbInterval: 3000, inStreams: 16, outStreams: 16, maxRetrans: 10, sndbuf: 425984, rcvbuf: 425984, txQueue: 0, rxQueue: 0,
    });
    expect(a[1].localAddresses).toEqual(['127.0.0.10', '127.0.0.11']);
  });

  test('endpoints', () => {
    expect(readSctpEndpoints(root)).toEqual([{ style: 2, socketState: 10, localPort: 47472, uid: 0, inode: 73, localAddresses: ['127.0.0.10', '127.0.0.11'] }]);
  });

  test('prom-client shaped metrics', () => {
    const m = sctpKernelMetrics(root);
    expect(m.find((x) => x.name === 'shoal_sctp_kernel_curr_estab')).toMatchObject({ type: 'gauge', values: [{ value: 2, labels: {} }] });
    expect(m.find((x) => x.name === 'shoal_sctp_kernel_active_estabs_total')).toMatchObject({ type: 'counter', values: [{ value: 1 }] });
    expect(m.find((x) => x.name === 'shoal_sctp_kernel_associations')?.values[0].value).toBe(2);
    for (const x of m) expect(x.name).toMatch(/^shoal_sctp_kernel_[a-z0-9_]+$/);
  });
});
