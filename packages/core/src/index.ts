/**
 * @shoal/core, the package's front door. Its rooms, lowest first (each
 * room's index.ts is its only door; lint forbids cycles and side doors):
 *
 *   errors.ts, logger.ts  leaves: error codes, pino loggers
 *   metrics/     worker metrics (prom-client), the supervisor's aggregation
 *   dispatch/    the one path every handler call takes
 *   transport/   the transport SPI: Transport, Listener, held sockets, fd passing
 *   app/         the application model: decorators, parameter decorators, the 'shoal' context, app files
 *   config/      options, config files, validation, Node version, code version
 *   ipc/         the typed supervisor/worker channel and its messages
 *   services/    ShoalStore, ShoalBroadcast, ShoalOffload; the shared backend's interface
 *   control/     control-socket protocol, server and client; admin endpoint
 *   systemd/     under systemd: the notifier (Type=notify), socket activation (passed sockets checked and held)
 *   supervisor/  supervisor, slots, worker processes, rolling reload, scaling
 *   fleet/       fleet membership and reload, the backend interface, the workers' service hub
 *   worker/      the worker runtime (Nest application context, listeners, drain)
 *   cli/         the `shoal` command
 *   compose.ts, run.ts   where a process is put together
 *
 * Redis is not here: @shoal/redis implements FleetBackend and
 * WorkerServicesBackend, and is loaded only for a config with a `redis` section.
 */
import 'reflect-metadata';

export * from './errors';
export type { Logger, LogLevel, LogFormat } from './logger';
export { createLogger } from './logger';

export type { ListenerSpec, HeldHandle, HttpPlatform, ListenerContext, DrainReport, Listener, OptionsResult, Transport } from './transport';
export type { RawFdHandle, FdLink, FdPassing } from './transport';
export { isRawFdHandle, FD_LINK_CHILD_FD, addressInUseError, socketOwnersOfPort, closeHeld, listeningSockets, takesTrafficOf } from './transport';
export type { KernelProtocol, KernelSocket } from './transport';
export { describeForeignListeners, findForeignListeners, ownedPort, refuseForeignListeners } from './ownership';
export type { ForeignListener, OwnedPort } from './ownership';

export type { HandlerBinding, DispatchOptions, Wire, HandlerErrorPolicy, HandlerErrorPolicies, ReplyCheck } from './dispatch';
export { InstrumentedHandler, HandlerTable, Dispatcher, handlerErrorCode, httpExceptionOf, HANDLER_ERROR_POLICIES, describeValue, payloadReply } from './dispatch';
export { WorkerMetrics, ListenerMetrics, ShoalMetrics } from './metrics';

export type { HandlerMetadata, RouteOptions, AppDefinition, ShoalCall, ShoalContextType } from './app';
export { defineApp, OnEvent, OnMessage, OnConnect, OnDisconnect, OnDatagram, OnRequest, OnBroadcast, SHOAL_HANDLERS, handlerMetadataOf } from './app';
export { Payload, JsonPayload, Ctx, SHOAL_CONTEXT_TYPE, shoalCallOf } from './app';

export type { ShoalOptions, ListenerOptions, RestartOptions, AdminOptions, ControlOptions, ResolvedOptions } from './config';
export type { ShoalConfig, ConfigFlags, LoadedConfig } from './config';
export type { RedisOptions, ResolvedRedisOptions, OffloadOptions, ResolvedOffloadOptions } from './config';
export { defineConfig, loadConfig, DEFAULT_OPTIONS, resolveOptions, MIN_NODE_VERSION, assertNodeVersion, nodeSupportsReusePort } from './config';

export type { ControlCommands, ControlCommand, SupervisorStatus, SlotStatus, SlotState, ScaleReport } from './control';
export type { ReloadReport, ReloadProgress, ReloadPhase, SlotReloadReport } from './control';
export type { FleetMember, FleetReloadProgress, FleetReloadReport, FleetHostReport, FleetHostPhase } from './control';
export { runtimeDir, controlSocketPath } from './control';
export type { PassedListener, PassedSocketInfo, SystemdBackend, SystemdEnvironment } from './systemd';

export type { SupervisorEvents, SupervisorPart, WorkerEntry, WorkerExit } from './supervisor';
export { Supervisor, tcpMigrateReqEnabled } from './supervisor';
export type { Fleet, FleetHost, FleetReloadOptions, FleetBackend, FleetContext, FleetPart, FleetReloadResult } from './fleet';
export { isWorkerProcess } from './ipc';

export type { StoreSetOptions, BroadcastHandler } from './services';
export type { StoreBackend, StoreOperation, BroadcastBackend, WorkerServicesBackend, WorkerServicesContext, SharedServices } from './services';
export { ShoalStore, ShoalBroadcast, ShoalOffload } from './services';

export type { CheckResult, CheckStatus } from './cli';
export { runDoctor } from './cli';

export type { ComposeOptions } from './compose';
export { composeSupervisor } from './compose';
export type { ShoalApplication } from './run';
export { run, defaultWorkerEntry, superviseUntilStopped } from './run';
