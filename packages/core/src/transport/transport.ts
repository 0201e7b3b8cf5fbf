/**
 * The one interface a transport implements. The core knows no protocol: it
 * validates options through the transport, asks it to open or adopt a
 * listener, holds the raw handle the listener exports, and later asks the
 * listener to stop accepting and drain.
 */
import type { Logger } from '../logger';
import type { ListenerMetrics } from '../metrics';
import type { HandlerTable } from '../dispatch';
import type { FdPassing } from './fd-passing';
import type { HeldHandle } from './held-handle';
import type { HttpPlatform } from './http-platform';

/** A listener as declared in configuration, after validation. */
export interface ListenerSpec {
  readonly name: string;
  readonly transport: string;
  /** The kernel protocol of its socket ('tcp', 'udp', 'sctp'), from the transport (its name when unset). */
  readonly protocol?: string;
  readonly host: string;
  readonly port: number;
  /**
   * Transport-specific options, as the transport's `validateOptions` returned
   * them (with defaults, frozen) where the configuration was loaded; a
   * listener uses them as they are, without validating again.
   */
  readonly options: Readonly<Record<string, unknown>>;
  /** Other processes may listen on this port too (docs/port-ownership.md); unset: false. */
  readonly shareWithOthers?: boolean;
}


/** Everything a listener needs from the worker it runs in. */
export interface ListenerContext {
  readonly spec: ListenerSpec;
  /**
   * The app's handlers of this listener. A transport binds each event to its
   * wire once, `handlers.dispatcher(event, wire, { onHandlerError, logger })`,
   * and runs every call through it (dispatch/dispatch.ts, docs/dispatch.md).
   */
  readonly handlers: HandlerTable;
  readonly metrics: ListenerMetrics;
  readonly logger: Logger;
  /**
   * While this worker drains for a reload: passes a live connection (its raw
   * handle, and the bytes read from it but not yet used) to the slot's
   * replacement worker, through the supervisor. Resolves false when nobody
   * takes it (a plain stop, or no replacement): then drain it as usual.
   * After true, close this process's descriptor without shutting the
   * connection down (destroy, never end). `state`: what the replacement needs
   * besides the bytes to serve the connection on, as JSON (a WebSocket's
   * URL, headers and negotiated extensions); it reaches adoptConnection as given.
   */
  handOff(handle: HeldHandle, unread: Buffer, state?: unknown): Promise<boolean>;
  /**
   * True when this listener adopts a socket that the slot's previous worker
   * still serves (a rolling reload). An `exclusive` listener must not read
   * from it until `resume()` is called, once the previous worker let it go.
   */
  readonly predecessorServing?: boolean;
  /**
   * For an `exclusive` listener in a draining worker: tells the slot's next
   * worker that this process no longer reads from the socket, with state it
   * may need (JSON; e.g. the associations it knew).
   */
  release?(state: unknown): void;
  /**
   * For a listener whose transport gave an HttpPlatform: the Nest application
   * booted on it (an INestApplication, configured and initialised), whose
   * HTTP server the listener serves.
   */
  readonly application?: { readonly platform: HttpPlatform; readonly app: object };
}

export interface DrainReport {
  /** Connections (or associations) that finished on their own before the deadline. */
  readonly completed: number;
  /** Connections cut at the deadline. */
  readonly forced: number;
  /** Connections handed, alive, to the replacement worker. */
  readonly handedOff?: number;
}

export interface Listener {
  readonly spec: ListenerSpec;
  /** The raw handle of the listening socket, for the supervisor to hold. */
  heldHandle(): HeldHandle;
  /** The port actually bound (useful with port 0). */
  boundPort(): number;
  /** Connections (or associations) open right now. */
  activeConnections(): number;
  /** Stop taking new work from the socket; the socket itself stays open elsewhere. */
  stopAccepting(): Promise<void>;
  /** Let in-flight work finish; cut what is left at `deadline` (epoch ms). */
  drain(deadline: number): Promise<DrainReport>;
  /**
   * Serves a connection the slot's previous worker handed off (for transports
   * that hand off), with the `state` that worker passed to handOff (undefined without one).
   */
  adoptConnection?(handle: HeldHandle, unread: Buffer, state?: unknown): void;
  /**
   * A socket whose messages only one process may read at a time (an SCTP
   * one-to-many socket carries every association's messages): adopted during a
   * reload, it waits for `resume()` until the previous worker released it.
   */
  readonly exclusive?: boolean;
  /** Starts reading an exclusive socket; `state` is what the previous worker released it with (undefined after a crash). */
  resume?(state: unknown): void;
}

export interface OptionsResult {
  readonly options: Readonly<Record<string, unknown>>;
  /** One line per problem, each naming the field path (`listeners.echo.options.framing`). */
  readonly problems: string[];
}

export interface Transport {
  /** The name used in configuration (`transport: 'tcp'`). */
  readonly name: string;
  /**
   * The kernel protocol of its sockets ('tcp', 'udp', 'sctp'); two listeners
   * of one protocol cannot share a port. Defaults to `name`.
   */
  readonly protocol?: string;
  /** Handler events this transport emits, e.g. ['message', 'connect', 'disconnect']. */
  readonly events: readonly string[];
  /** Validates and fills in defaults; `path` is the field path of the options object. */
  validateOptions(options: unknown, path: string): OptionsResult;
  /** Opens a fresh SO_REUSEPORT listener (first worker of a slot). */
  open(context: ListenerContext): Promise<Listener>;
  /** Starts serving a socket the supervisor held for this slot. */
  adopt(context: ListenerContext, handle: HeldHandle): Promise<Listener>;
  /** For transports whose sockets are not libuv handles: how the core passes their descriptors. */
  readonly fdPassing?: FdPassing;
  /**
   * For HTTP transports: the Nest platform a listener serves the app's
   * controllers on, or undefined when it routes to Shoal handlers only.
   * Called in the worker before the application boots (see http-platform.ts).
   */
  httpPlatform?(spec: ListenerSpec): Promise<HttpPlatform | undefined>;
}
