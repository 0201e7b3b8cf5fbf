import type { OptionsResult } from '@shoal/core';
import type { FramingName } from './framing';
import { OptionsChecker } from './options';

export interface TcpOptions {
  /** How the byte stream is cut into messages. */
  readonly framing: FramingName;
  /** Largest frame accepted; a larger one closes that connection. */
  readonly maxFrameBytes: number;
  /** TCP_NODELAY on accepted connections. */
  readonly noDelay: boolean;
  /** SO_KEEPALIVE on accepted connections. */
  readonly keepAlive: boolean;
  /** Idle time before the first keep-alive probe, when keepAlive is on. */
  readonly keepAliveInitialDelayMs: number;
  /** A connection with no traffic for this long is closed; 0 = never. */
  readonly idleTimeoutMs: number;
  /** Connections open at once in one worker; more are refused. */
  readonly maxConnections: number;
  /** What a throwing handler gets: an error frame naming its code, or the connection closed. */
  readonly onHandlerError: 'error-frame' | 'close';
  /**
   * During a rolling reload, pass each live connection, at a frame boundary,
   * to the replacement worker instead of closing it: clients do not
   * reconnect. The replacement runs @OnConnect for it (ctx.resumed is true);
   * per-connection state of the old worker does not travel.
   */
  readonly handOffOnReload: boolean;
}

export const TCP_DEFAULTS: Readonly<Omit<TcpOptions, 'onHandlerError'>> = Object.freeze({
  framing: 'lines',
  maxFrameBytes: 1024 * 1024,
  noDelay: true,
  keepAlive: false,
  keepAliveInitialDelayMs: 60_000,
  idleTimeoutMs: 0,
  maxConnections: 10_000,
  handOffOnReload: false,
});

/** The default of onHandlerError, which depends on the framing (raw has no error frame). */
export function defaultOnHandlerError(framing: FramingName): TcpOptions['onHandlerError'] {
  return framing === 'raw' ? 'close' : 'error-frame';
}

const KNOWN = [...Object.keys(TCP_DEFAULTS), 'onHandlerError'];

export function validateTcpOptions(options: unknown, path: string): OptionsResult & { options: TcpOptions } {
  const c = new OptionsChecker(options, path, KNOWN, 'tcp');
  const framing = c.oneOf<FramingName>('framing', TCP_DEFAULTS.framing, ['raw', 'lines', 'length-prefixed']);
  const maxFrameBytes = c.positiveInt('maxFrameBytes', TCP_DEFAULTS.maxFrameBytes, 0xffffffff);
  const onHandlerError = c.oneOf('onHandlerError', defaultOnHandlerError(framing), ['error-frame', 'close']);
  if (framing === 'raw' && onHandlerError === 'error-frame' && c.isSet('onHandlerError')) {
    c.problems.push(
      `${path}.onHandlerError cannot be 'error-frame' with framing 'raw' (a raw stream has no frame to carry an error); use 'close'`,
    );
  }
  const result: TcpOptions = {
    framing,
    maxFrameBytes,
    noDelay: c.boolean('noDelay', TCP_DEFAULTS.noDelay),
    keepAlive: c.boolean('keepAlive', TCP_DEFAULTS.keepAlive),
    keepAliveInitialDelayMs: c.nonNegativeInt('keepAliveInitialDelayMs', TCP_DEFAULTS.keepAliveInitialDelayMs),
    idleTimeoutMs: c.nonNegativeInt('idleTimeoutMs', TCP_DEFAULTS.idleTimeoutMs),
    maxConnections: c.positiveInt('maxConnections', TCP_DEFAULTS.maxConnections),
    onHandlerError: framing === 'raw' ? 'close' : onHandlerError,
    handOffOnReload: c.boolean('handOffOnReload', TCP_DEFAULTS.handOffOnReload),
  };
  return { options: Object.freeze(result), problems: c.problems };
}
