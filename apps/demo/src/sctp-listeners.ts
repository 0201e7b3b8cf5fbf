import { isSctpSupported } from '@shoal/sctp';

/** Listener names of the demo's SCTP part (the handlers in sctp.handlers.ts bind to them). */
export const SCTP_LISTENERS = { echo: 'sctp-echo', kv: 'sctp-kv', echoMany: 'sctp-echo-many' } as const;

interface SctpListener {
  transport: 'sctp';
  port: number;
  options: Record<string, unknown>;
}

/**
 * The demo's SCTP listeners: SHOAL_DEMO_SCTP_PORT (one-to-one, default 3868:
 * the echo on it, the key-value service on the next port) and
 * SHOAL_DEMO_SCTP_MANY_PORT (one-to-many echo, default 2905); "off" turns one
 * off. On a kernel without SCTP there are none, and `reason` says why in one line.
 */
export function sctpDemoListeners(env: NodeJS.ProcessEnv = process.env, supported: () => boolean = isSctpSupported): { listeners: Record<string, SctpListener>; reason?: string } {
  const one = env.SHOAL_DEMO_SCTP_PORT ?? '3868';
  const many = env.SHOAL_DEMO_SCTP_MANY_PORT ?? '2905';
  if (one === 'off' && many === 'off') return { listeners: {}, reason: 'SCTP services off: SHOAL_DEMO_SCTP_PORT and SHOAL_DEMO_SCTP_MANY_PORT are "off"' };
  if (!supported()) {
    return { listeners: {}, reason: 'SCTP services off: this kernel has no SCTP (modprobe sctp; shoal doctor tells more)' };
  }
  const port = (name: string, value: string, max: number): number => {
    if (!/^\d+$/.test(value) || Number(value) > max) throw new RangeError(`${name} must be a port number from 1 to ${max} or "off", got ${JSON.stringify(value)}`);
    return Number(value);
  };
  const listeners: Record<string, SctpListener> = {};
  if (one !== 'off') {
    const base = port('SHOAL_DEMO_SCTP_PORT', one, 65534);
    listeners[SCTP_LISTENERS.echo] = { transport: 'sctp', port: base, options: { style: 'one-to-one' } };
    listeners[SCTP_LISTENERS.kv] = { transport: 'sctp', port: base === 0 ? 0 : base + 1, options: { style: 'one-to-one', streams: 16 } };
  }
  if (many !== 'off') {
    listeners[SCTP_LISTENERS.echoMany] = { transport: 'sctp', port: port('SHOAL_DEMO_SCTP_MANY_PORT', many, 65535), options: { style: 'one-to-many' } };
  }
  return { listeners };
}
