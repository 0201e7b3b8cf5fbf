// The demo's SCTP part: an echo on both styles and a multi-stream
// request/response key-value protocol over the demo's injected store. The demo
// app imports SctpDemoHandlers (a Nest provider) and sctpDemoListeners(env).
//
// KV protocol (one message = one request, answered on the same stream, so
// each stream is an independent ordered pipeline):
//   "GET <key>"          -> "OK <value>" | "NOTFOUND"
//   "SET <key> <value>"  -> "OK"
//   anything else        -> "ERR unknown command"
import { Inject, Injectable } from '@nestjs/common';
import { isSctpSupported } from './support';
import type { SctpMessageContext } from './cluster/context';
import { OnSctpMessage } from './cluster/decorators';

/** What the KV protocol needs of the demo's store. */
export interface SctpDemoStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

/** Injection token of the store (provide it in the demo module: `{ provide: SCTP_DEMO_STORE, useExisting: KvStore }`). */
export const SCTP_DEMO_STORE = Symbol.for('shoal.demo.sctp.store');

/** Listener names the handlers bind to. */
export const SCTP_DEMO_LISTENERS = Object.freeze({ echo: 'sctpEcho', echoMany: 'sctpEchoMany', kv: 'sctpKv' });

@Injectable()
export class SctpDemoHandlers {
  constructor(@Inject(SCTP_DEMO_STORE) private readonly store: SctpDemoStore) {}

  /** Echo, one-to-one: the message back on its stream with its PPID. */
  @OnSctpMessage(SCTP_DEMO_LISTENERS.echo)
  echo(data: Buffer): Buffer {
    return data;
  }

  /** Echo, one-to-many. */
  @OnSctpMessage(SCTP_DEMO_LISTENERS.echoMany)
  echoMany(data: Buffer): Buffer {
    return data;
  }

  @OnSctpMessage(SCTP_DEMO_LISTENERS.kv)
  kv(data: Buffer, ctx: SctpMessageContext): string {
    const text = data.toString('utf8');
    const space = text.indexOf(' ');
    const verb = space < 0 ? text : text.slice(0, space);
    const rest = space < 0 ? '' : text.slice(space + 1);
    if (verb === 'GET' && rest.length > 0) {
      const value = this.store.get(rest);
      return value === undefined ? 'NOTFOUND' : `OK ${value}`;
    }
    if (verb === 'SET') {
      const sp = rest.indexOf(' ');
      if (sp > 0) {
        this.store.set(rest.slice(0, sp), rest.slice(sp + 1));
        return 'OK';
      }
    }
    void ctx;
    return 'ERR unknown command';
  }
}

/**
 * The demo's SCTP listeners from the environment: SHOAL_DEMO_SCTP_PORT
 * (one-to-one: the echo on it, the KV protocol on the next port) and
 * SHOAL_DEMO_SCTP_MANY_PORT (one-to-many echo). On a kernel without SCTP,
 * none, and `reason` says why in one line.
 */
export function sctpDemoListeners(
  env: NodeJS.ProcessEnv = process.env,
  supported: () => boolean = isSctpSupported,
): { listeners: Record<string, { transport: 'sctp'; host: string; port: number; options: Record<string, unknown> }>; reason?: string } {
  const host = env.SHOAL_DEMO_SCTP_HOST ?? '0.0.0.0';
  const one = env.SHOAL_DEMO_SCTP_PORT;
  const many = env.SHOAL_DEMO_SCTP_MANY_PORT;
  if (one === undefined && many === undefined) return { listeners: {}, reason: 'SCTP services off: SHOAL_DEMO_SCTP_PORT and SHOAL_DEMO_SCTP_MANY_PORT are unset' };
  if (!supported()) {
    return { listeners: {}, reason: 'SCTP services off: this kernel has no SCTP (modprobe sctp, or linux-modules-extra on cloud kernels)' };
  }
  const listeners: Record<string, { transport: 'sctp'; host: string; port: number; options: Record<string, unknown> }> = {};
  const port = (name: string, value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65534) throw new RangeError(`${name} must be a port number (0 to 65534), got ${JSON.stringify(value)}`);
    return n;
  };
  if (one !== undefined) {
    const p = port('SHOAL_DEMO_SCTP_PORT', one);
    listeners[SCTP_DEMO_LISTENERS.echo] = { transport: 'sctp', host, port: p, options: { style: 'one-to-one' } };
    listeners[SCTP_DEMO_LISTENERS.kv] = { transport: 'sctp', host, port: p === 0 ? 0 : p + 1, options: { style: 'one-to-one', streams: 16 } };
  }
  if (many !== undefined) {
    listeners[SCTP_DEMO_LISTENERS.echoMany] = { transport: 'sctp', host, port: port('SHOAL_DEMO_SCTP_MANY_PORT', many), options: { style: 'one-to-many' } };
  }
  return { listeners };
}
