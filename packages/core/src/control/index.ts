/**
 * Room `control`: how operators reach a supervisor. The control socket's
 * protocol (its data types are the wire's, not the supervisor's), server and
 * client, the admin HTTP endpoint (/metrics, /healthz, /readyz, /status) and
 * the runtime directory. Servers see the supervisor only through ControlTarget
 * and AdminTarget.
 */
export * from './admin-server';
export * from './control-client';
export * from './control-server';
export * from './protocol';
export * from './runtime-dir';
