import { BadRequestException, ForbiddenException, HttpException } from '@nestjs/common';
import { handlerErrorCode, handlerErrorLevel, httpStatusOf } from '../../src/dispatch/handler-error';

describe('handlerErrorCode', () => {
  it('keeps metric labels bounded: odd codes count as SHOAL_ERR_HANDLER_FAILED', () => {
    expect(handlerErrorCode(Object.assign(new Error(), { code: 'lower case' }))).toBe('SHOAL_ERR_HANDLER_FAILED');
    expect(handlerErrorCode('a string')).toBe('SHOAL_ERR_HANDLER_FAILED');
    expect(handlerErrorCode(null)).toBe('SHOAL_ERR_HANDLER_FAILED');
    expect(handlerErrorCode(Object.assign(new Error(), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
  });

  it("names an HttpException by its status, as the HTTP wire answers it; the error's own code still wins", () => {
    expect(handlerErrorCode(new ForbiddenException())).toBe('HTTP_403');
    expect(handlerErrorCode(new BadRequestException(['name must be a string']))).toBe('HTTP_400');
    expect(handlerErrorCode(new Error('wrapped', { cause: new ForbiddenException() }))).toBe('HTTP_403');
    expect(handlerErrorCode(Object.assign(new ForbiddenException(), { code: 'APP_NO_TOKEN' }))).toBe('APP_NO_TOKEN');
    // Not an error status: the failure stays a handler failure, as the HTTP wire answers it 500.
    expect(handlerErrorCode(new HttpException('moved', 302))).toBe('SHOAL_ERR_HANDLER_FAILED');
    expect(httpStatusOf(new Error('plain'))).toBeUndefined();
  });
});

describe('handlerErrorLevel', () => {
  it("logs what the client caused (an HttpException 4xx) as a warning, everything else as an error", () => {
    expect(handlerErrorLevel(new ForbiddenException())).toBe('warn');
    expect(handlerErrorLevel(new HttpException('down', 503))).toBe('error');
    expect(handlerErrorLevel(new Error('boom'))).toBe('error');
  });
});
