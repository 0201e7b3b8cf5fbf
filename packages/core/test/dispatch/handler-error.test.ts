import { handlerErrorCode } from '../../src/dispatch/handler-error';

describe('handlerErrorCode', () => {
  it('keeps metric labels bounded: odd codes count as SHOAL_ERR_HANDLER_FAILED', () => {
    expect(handlerErrorCode(Object.assign(new Error(), { code: 'lower case' }))).toBe('SHOAL_ERR_HANDLER_FAILED');
    expect(handlerErrorCode('a string')).toBe('SHOAL_ERR_HANDLER_FAILED');
    expect(handlerErrorCode(null)).toBe('SHOAL_ERR_HANDLER_FAILED');
    expect(handlerErrorCode(Object.assign(new Error(), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
  });
});
