// Loads the N-API addon (built by node-gyp at install, found by node-gyp-build)
// and describes its functions. Both return 0 on success and -errno on failure;
// neither throws on a failed system call. Arguments are validated in
// TypeScript before they reach them.
import * as path from 'node:path';
import { lazyAddon } from '@shoal/common';
import { ERR_REUSEPORT_NATIVE_LOAD } from './errors';

/** One classic-BPF instruction, as struct sock_filter of <linux/filter.h>. */
export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** The numbers of <linux/filter.h>, <linux/bpf_common.h> and <asm-generic/socket.h>, from native/reuseport.cc. */
export interface NativeConstants {
  readonly [name: string]: number;
}

export interface NativeBinding {
  attachReuseportCbpf(fd: number, instructions: readonly SockFilter[] | Uint32Array): number;
  detachReuseportBpf(fd: number): number;
  constants: NativeConstants;
}

/** The addon, loaded on first use. Throws SHOAL_ERR_REUSEPORT_NATIVE_LOAD if it is missing. */
export const native = lazyAddon(
  () => (require('node-gyp-build') as (dir: string) => NativeBinding)(path.join(__dirname, '..')),
  (error) => new ERR_REUSEPORT_NATIVE_LOAD(error.message, { cause: error }),
);

/** A constant exported by the addon; a name it does not export is a bug here, not a user error. */
export function constant(name: string): number {
  const value = native().constants[name];
  if (typeof value !== 'number') throw new Error(`native/reuseport.cc exports no constant ${name}`);
  return value;
}
