import { ShoalError, defineError, definedErrorCodes, errnoName, errorCodeOf, isShoalError, UNKNOWN_ERROR_CODE } from '../src';

describe('defineError', () => {
  const ERR_TEST_THING = defineError('SHOAL_ERR_TEST_THING', (what: string) => `the ${what} broke; fix it`);

  it('builds errors with the code, the message and the cause', () => {
    const cause = new Error('inner');
    const error = new ERR_TEST_THING('pump', { cause });
    expect(error).toBeInstanceOf(ShoalError);
    expect(error.code).toBe('SHOAL_ERR_TEST_THING');
    expect(error.shoalCode).toBe('SHOAL_ERR_TEST_THING');
    expect(error.message).toBe('the pump broke; fix it');
    expect(error.cause).toBe(cause);
    expect(ERR_TEST_THING.code).toBe('SHOAL_ERR_TEST_THING');
    expect(definedErrorCodes()).toContain('SHOAL_ERR_TEST_THING');
  });

  it('gives a failed system call a Node-style code, errno and syscall', () => {
    const error = new ERR_TEST_THING('socket', { errno: 104, syscall: 'sendmsg' });
    expect(error.code).toBe('ECONNRESET');
    expect(error.errno).toBe(-104);
    expect(error.syscall).toBe('sendmsg');
    expect(error.shoalCode).toBe('SHOAL_ERR_TEST_THING');
    expect(isShoalError(error, 'SHOAL_ERR_TEST_THING')).toBe(true);
    expect(isShoalError(error, 'ECONNRESET')).toBe(true);
    expect(isShoalError(error, 'SHOAL_ERR_OTHER_THING')).toBe(false);
  });

  it('refuses codes outside the naming rule and codes defined twice', () => {
    expect(() => defineError('ERR_THING', () => 'x')).toThrow(/SHOAL_ERR_<AREA>_<WHAT>/);
    expect(() => defineError('SHOAL_ERR_TEST_THING', () => 'x')).toThrow(/defined twice/);
    // The very same definition again (a second copy of a package) is accepted.
    expect(defineError('SHOAL_ERR_TEST_THING', (what: string) => `the ${what} broke; fix it`).code).toBe('SHOAL_ERR_TEST_THING');
  });

  it('names errnos and unknown failures', () => {
    expect(errnoName(-32)).toBe('EPIPE');
    expect(errorCodeOf(new Error('plain'))).toBe(UNKNOWN_ERROR_CODE);
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 'EPIPE' }))).toBe('EPIPE');
    expect(errorCodeOf('a string')).toBe('SHOAL_ERR_UNKNOWN');
  });
});
