// Loads the N-API addon (built by node-gyp, found by node-gyp-build) and
// describes its functions: each returns a value >= 0 (or an object) on
// success and -errno on failure, and never throws on a failed system call.
import * as path from 'node:path';
import { lazyAddon } from '@shoal/common';
import { ERR_SYSTEMD_NATIVE_LOAD } from './errors';

export interface NativeSocketInfo {
  type: number;
  family: number;
  protocol: number;
  listening: boolean;
  reusePort: boolean;
  v6only: boolean;
  uid: number;
  address?: string;
  port?: number;
}

export interface NativeBinding {
  notify(path: string, message: Buffer): number;
  socketInfo(fd: number): NativeSocketInfo | number;
  setCloexec(fd: number): number;
  constants: Record<
    'SOCK_STREAM' | 'SOCK_DGRAM' | 'SOCK_SEQPACKET' | 'AF_INET' | 'AF_INET6' | 'AF_UNIX' | 'IPPROTO_TCP' | 'IPPROTO_UDP' | 'IPPROTO_SCTP',
    number
  >;
}

/** The addon, loaded on first use. Throws SHOAL_ERR_SYSTEMD_NATIVE_LOAD if it is missing. */
export const native = lazyAddon(
  () => (require('node-gyp-build') as (dir: string) => NativeBinding)(path.join(__dirname, '..')),
  (error) => new ERR_SYSTEMD_NATIVE_LOAD(error.message, { cause: error }),
);
