/**
 * A listener that serves the application's Nest controllers on Nest's own
 * HTTP stack (a platform adapter such as @nestjs/platform-fastify). The
 * worker then boots the application with `NestFactory.create(module,
 * adapter)` instead of an application context, calls the app's `configure`
 * hook and `init()`, and only then opens the listener, which serves the
 * server Nest built on the slot's held socket.
 */
export interface HttpPlatform {
  /** The platform's name, for logs and errors ('fastify', 'express'). */
  readonly name: string;
  /** The listener that asked for it. */
  readonly listener: string;
  /** Nest's HTTP adapter (an AbstractHttpAdapter), given to NestFactory.create. */
  readonly adapter: object;
  /** Options for NestFactory.create that this platform needs (`httpsOptions`, say); the app's own come first. */
  readonly applicationOptions?: Readonly<Record<string, unknown>>;
  /**
   * Called with the application (an INestApplication) after the app's
   * configure() and before init(): the platform may complete what configure()
   * set up (an HTTP listener installs or instruments the WebSocket adapter here).
   */
  configured?(app: object): void | Promise<void>;
}
