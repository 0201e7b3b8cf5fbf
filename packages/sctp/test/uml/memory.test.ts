// Memory: 100k messages through one association with a bounded RSS, and no
// fd left behind.
import { type SctpMessage } from '../../src';
import { openFds, pair } from './helpers';

describe('memory', () => {
  test('100k messages through one association keep RSS bounded', async () => {
    const fdsBefore = openFds();
    const p = await pair();
    const total = 100_000;
    const payload = Buffer.alloc(256, 0x61);
    const samples: number[] = [];
    let received = 0;
    let bytes = 0;
    const done = new Promise<void>((resolve) => {
      p.accepted.on('message', (m: SctpMessage) => {
        received++;
        bytes += m.data.length;
        if (received % 10_000 === 0) samples.push(process.memoryUsage().rss);
        if (received === total) resolve();
      });
    });
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent++;
        if (!p.client.send(payload, { stream: sent % 8, ppid: sent })) return;
      }
    };
    p.client.on('drain', pump);
    pump();
    await done;
    expect(bytes).toBe(total * payload.length);
    expect(p.client.stats.messagesOut).toBe(total);
    expect(p.accepted.stats.messagesIn).toBe(total);
    // After warm-up (first 20k), RSS may move with GC but must not grow with the count.
    const warm = samples[1];
    const peak = Math.max(...samples.slice(1));
    const mb = (n: number): string => (n / 1048576).toFixed(1);
    console.log(`RSS per 10k messages (MiB): ${samples.map(mb).join(' ')}`);
    expect(peak - warm).toBeLessThan(48 * 1048576);
    await p.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(openFds()).toBeLessThanOrEqual(fdsBefore);
  });
});
