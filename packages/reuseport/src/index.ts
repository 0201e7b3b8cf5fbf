/**
 * @shoal/reuseport: keeps a SO_REUSEPORT group's traffic on the sockets Shoal
 * holds. A classic-BPF program (SO_ATTACH_REUSEPORT_CBPF) selects among the
 * group's first N sockets only, so a socket that another process of the same
 * user adds to the group later receives nothing. README.md says what the
 * kernel does and what this does not protect against.
 */
export {
  ERR_REUSEPORT_NATIVE_LOAD, ERR_REUSEPORT_INVALID_ARGUMENT, ERR_REUSEPORT_ATTACH_FAILED, ERR_REUSEPORT_DETACH_FAILED,
} from './errors';
export { isShoalError, ShoalError } from '@shoal/common';
export { MAX_SELECTED_SOCKETS } from './arguments';
export type { SockFilter } from './native';
export { selectAmongFirst } from './selector-program';
export { attachSelector, attachProgram, detachSelector } from './selector';
