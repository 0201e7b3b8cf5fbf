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
