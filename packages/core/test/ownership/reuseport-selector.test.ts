/**
 * When the selector loads @shoal/reuseport: at prepare(), before the workers
 * serve (a native module's load is CPU the first requests would wait for),
 * once; not at all when it is off or no listener could use it.
 */
import { Gauge, Registry } from 'prom-client';
import { ReuseportSelector } from '../../src/ownership';
import type { SelectorBackend } from '../../src/ownership';
import { createLogger } from '../../src/logger';
import type { ListenerSpec } from '../../src/transport';

const tcp = { name: 'http', transport: 'http', protocol: 'tcp', host: '127.0.0.1', port: 8080, options: {} } as unknown as ListenerSpec;
const sctp = { name: 'sig', transport: 'sctp', host: '127.0.0.1', port: 3868, options: {} } as unknown as ListenerSpec;

function selector(enabled: boolean, listeners: ListenerSpec[]): { selector: ReuseportSelector; loads: () => number; attached: number[][] } {
  let loads = 0;
  const attached: number[][] = [];
  const backend: SelectorBackend = { attachSelector: (fd, count) => void attached.push([fd, count]), detachSelector: () => undefined };
  const gauge = new Gauge({ name: 'shoal_reuseport_selector', help: 'test', labelNames: ['listener'], registers: [new Registry()] });
  const s = new ReuseportSelector({
    enabled,
    listeners,
    logger: createLogger('silent', { role: 'supervisor' }),
    gauge,
    packageDirs: [],
    load: () => {
      loads++;
      return backend;
    },
  });
  return { selector: s, loads: () => loads, attached };
}

test('prepare() loads the backend once; apply() then only attaches', () => {
  const { selector: s, loads, attached } = selector(true, [tcp]);
  s.prepare();
  expect(loads()).toBe(1);
  s.apply(() => [7, 8], () => false);
  s.prepare();
  expect(loads()).toBe(1);
  expect(attached).toEqual([[7, 2]]);
});

test('off, or only listeners it leaves to the kernel (SCTP): prepare() loads nothing', () => {
  for (const [enabled, listeners] of [[false, [tcp]], [true, [sctp]]] as const) {
    const { selector: s, loads } = selector(enabled, [...listeners]);
    s.prepare();
    s.apply(() => [7], () => false);
    expect(loads()).toBe(0);
  }
});
