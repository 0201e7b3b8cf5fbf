/**
 * Room `errors`: the error model every Shoal package defines its codes with.
 * Door for: ShoalError, defineError, the code registry, errno names.
 */
export { ShoalError, UNKNOWN_ERROR_CODE, defineError, definedErrorCodes, errorCodeOf, isShoalError } from './shoal-error';
export type { ShoalErrorClass, ShoalErrorOptions } from './shoal-error';
export { errnoName } from './errno';
