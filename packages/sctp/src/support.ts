// Does this kernel have SCTP? (Opens and closes one socket.)
import { isUnsupportedErrno } from './errors';
import { native } from './native';

export function isSctpSupported(): boolean {
  const fd = native().socket(4, 0);
  if (fd >= 0) {
    native().close(fd);
    return true;
  }
  return !isUnsupportedErrno(fd);
}

/**
 * Whether this process can use SCTP: the addon loads, the module is loaded
 * (/proc/net/sctp), cookie HMAC is usable (/proc/sys/net/sctp/cookie_hmac_alg),
 * and an SCTP socket opens. `fix` says what to do when `ok` is false.
 */
export function checkSctpSupport(): { ok: boolean; detail: string; fix?: string } {
  const { existsSync, readFileSync } = require('node:fs') as typeof import('node:fs');
  let fd: number;
  try {
    fd = native().socket(4, 0);
  } catch (err) {
    return { ok: false, detail: `the SCTP addon does not load: ${(err as Error).message}`, fix: 'pnpm --filter @shoal/sctp build (needs python3, make, g++)' };
  }
  if (fd < 0) {
    const loaded = existsSync('/proc/net/sctp');
    return {
      ok: false,
      detail: `socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) failed with errno ${-fd}${loaded ? '' : '; the sctp module is not loaded (no /proc/net/sctp)'}`,
      fix: isUnsupportedErrno(fd)
        ? 'modprobe sctp (Debian/Ubuntu cloud kernels: install linux-modules-extra-$(uname -r)); in a container, load it on the host'
        : 'check the kernel log; with cookie_hmac_alg set to an algorithm the kernel lacks, sockets fail with ENOSYS: sysctl -w net.sctp.cookie_hmac_alg=sha1',
    };
  }
  native().close(fd);
  let hmac = 'unknown';
  try {
    hmac = readFileSync('/proc/sys/net/sctp/cookie_hmac_alg', 'utf8').trim();
  } catch {
    return { ok: false, detail: 'SCTP sockets open, but /proc/sys/net/sctp/cookie_hmac_alg is not readable', fix: 'mount /proc (and /proc/sys) in this environment' };
  }
  return { ok: true, detail: `SCTP available (module loaded, cookie_hmac_alg=${hmac}, a socket opens)` };
}
