import { DEFAULT_OPTIONS, resolveOptions } from '../../src/config/options';
import type { Transport } from '../../src/transport';

/** A transport with the one option check the core relies on, as a real transport would do it. */
const transport = (name: string, protocol?: string): Transport => ({
  name,
  protocol,
  events: ['message'],
  validateOptions(options, path) {
    const problems: string[] = [];
    const record = options as Record<string, unknown>;
    if (record.size !== undefined && typeof record.size !== 'number') problems.push(`${path}.size must be a number`);
    return { options: Object.freeze({ size: 1, ...record }), problems };
  },
  open: () => Promise.reject(new Error('not used here')),
  adopt: () => Promise.reject(new Error('not used here')),
});
const transports = [transport('tcp'), transport('udp'), transport('http', 'tcp')];

describe('resolveOptions', () => {
  it('fills in documented defaults and freezes the result', () => {
    const options = resolveOptions({ listeners: { echo: { transport: 'tcp', port: 7000 } } }, transports);
    expect(options.workers).toBe(DEFAULT_OPTIONS.workers);
    expect(options.admin).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(options.restart).toEqual(DEFAULT_OPTIONS.restart);
    expect(options.shutdownDelayMs).toBe(0);
    expect(options.listeners).toEqual([{ name: 'echo', transport: 'tcp', protocol: 'tcp', host: '0.0.0.0', port: 7000, options: { size: 1 }, shareWithOthers: false }]);
    expect(options.foreignListenerCheckMs).toBe(10_000);
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(options.listeners[0])).toBe(true);
    expect(() => ((options as { workers: number }).workers = 3)).toThrow(TypeError);
  });

  it('reports every problem at once, each naming its field and what it expects', () => {
    let message = '';
    try {
      resolveOptions(
        {
          workers: 'many',
          listners: {},
          listeners: { '1bad': { transport: 'tcp', port: 1 }, a: { transport: 'sctp', port: -1, host: '' }, b: { transport: 'udp', port: 2, options: { size: 'big' }, shareWithOthers: 'yes' } },
          foreignListenerCheckMs: 50,
          restart: { maxCrashes: 0, initialDelayMs: 500, maxDelayMs: 100 },
          logLevel: 'loud',
          shutdownDelayMs: -5,
        },
        transports,
      );
    } catch (error) {
      expect((error as { code: string }).code).toBe('SHOAL_ERR_CONFIG_INVALID');
      message = (error as Error).message;
    }
    expect(message).toMatch(/workers must be an integer from 1 to 1024, got "many"/);
    expect(message).toMatch(/- listners is not a known option \(known: name, workers, listeners,/);
    expect(message).toMatch(/listeners\.1bad: a listener name must start with a letter/);
    expect(message).toMatch(/listeners\.a\.transport: no transport named "sctp" is registered; known: tcp, udp, http/);
    expect(message).toMatch(/listeners\.a\.host must be a host name or IP address, got ""/);
    expect(message).toMatch(/listeners\.a\.port must be an integer from 0 to 65535, got -1/);
    expect(message).toMatch(/listeners\.b\.options\.size must be a number/);
    expect(message).toMatch(/restart\.maxCrashes must be an integer >= 1, got 0/);
    expect(message).toMatch(/restart\.maxDelayMs \(100\) must not be below restart\.initialDelayMs \(500\)/);
    expect(message).toMatch(/logLevel must be one of fatal, error, warn, info, debug, trace, silent, got "loud"/);
    expect(message).toMatch(/shutdownDelayMs must be an integer >= 0, got -5/);
    expect(message).toMatch(/listeners\.b\.shareWithOthers must be true or false, got "yes"/);
    expect(message).toMatch(/foreignListenerCheckMs must be 0 \(off\) or an integer >= 100, got 50/);
  });

  it('refuses two listeners of one protocol on one port, but not of different protocols', () => {
    expect(() =>
      resolveOptions({ listeners: { a: { transport: 'tcp', port: 80 }, b: { transport: 'http', port: 80 } } }, transports),
    ).toThrow(/listeners\.b\.port: 80 is already used by listener "a" of the same protocol/);
    expect(() => resolveOptions({ listeners: { a: { transport: 'tcp', port: 80 }, b: { transport: 'udp', port: 80 } } }, transports)).not.toThrow();
  });

  it('reports what is wrong inside an object where "false or an object" is accepted', () => {
    expect(() => resolveOptions({ admin: { host: 'x', prot: 1 }, listeners: { a: { transport: 'tcp', port: 1 } } }, transports)).toThrow(
      /admin\.prot is not a known option \(known: host, port\)/,
    );
    expect(() => resolveOptions({ control: { path: 'relative.sock' }, listeners: { a: { transport: 'tcp', port: 1 } } }, transports)).toThrow(
      /control\.path must be an absolute path, got "relative\.sock"/,
    );
    expect(() => resolveOptions({ admin: 'on', listeners: { a: { transport: 'tcp', port: 1 } } }, transports)).toThrow(/admin must be an object \{ host, port \} or false/);
  });

  it('fills in the watchdog and memory limit, and names each wrong field', () => {
    const listeners = { echo: { transport: 'tcp', port: 7000 } };
    const options = resolveOptions({ listeners }, transports);
    expect(options.watchdog).toEqual({ enabled: true, intervalMs: 1_000, timeoutMs: 5_000, degradedLagMs: 1_000, recoverAfterMs: 10_000, report: true, reportDir: expect.stringMatching(/shoal-reports$/) });
    expect(options.memoryLimit).toEqual({ maxBytes: null, measure: 'rss' });
    expect(resolveOptions({ listeners, watchdog: false }, transports).watchdog.enabled).toBe(false);
    expect(resolveOptions({ listeners, maxMemoryBytes: 2 ** 29, maxMemoryMeasure: 'heap' }, transports).memoryLimit).toEqual({ maxBytes: 2 ** 29, measure: 'heap' });

    expect(() => resolveOptions({ listeners, watchdog: { timeoutMs: 500, intervalMs: 1_000 } }, transports)).toThrow(
      /watchdog\.timeoutMs \(500\) must be above watchdog\.intervalMs \(1000\)/,
    );
    const error = (() => {
      try {
        resolveOptions({ listeners, watchdog: { report: 'yes', timeout: 1 }, maxMemoryBytes: 1024, maxMemoryMeasure: 'pss' }, transports);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toMatch(/watchdog\.report must be true or false, got "yes"/);
    expect(error).toMatch(/watchdog.*timeout/);
    expect(error).toMatch(/maxMemoryBytes must be an integer >= 16777216, got 1024/);
    expect(error).toMatch(/maxMemoryMeasure must be rss \(the resident set\) or heap \(the V8 heap in use\), got "pss"/);
  });

  it('turns the admin endpoint off with admin: false', () => {
    expect(resolveOptions({ admin: false, listeners: { a: { transport: 'tcp', port: 1 } } }, transports).admin).toBeNull();
  });

  it('refuses a configuration that is not an object, or has no listener', () => {
    expect(() => resolveOptions(null, transports)).toThrow(/the configuration must be an object, got null/);
    expect(() => resolveOptions({ listeners: {} }, transports)).toThrow(/listeners must declare at least one listener/);
  });
});
