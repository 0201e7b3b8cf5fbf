/**
 * The error model of every Shoal package: one class per code, defined with
 * `defineError` in the package's own errors.ts, each message saying what to
 * do (fastify's style). A registry of every code lets each package test that
 * its codes are documented in docs/errors.md.
 */
import { errnoName } from './errno';

/** The code of a failure nobody defined (a non-Error thrown, a foreign error without a code). */
export const UNKNOWN_ERROR_CODE = 'SHOAL_ERR_UNKNOWN';

const CODE_PATTERN = /^SHOAL_ERR_[A-Z0-9]+(_[A-Z0-9]+)+$/;

/** The last constructor argument of a defined error may carry these. */
export interface ShoalErrorOptions {
  cause?: unknown;
  /** A system call failed: its errno (negative or positive), as `node:net` reports it. */
  errno?: number;
  syscall?: string;
}

export class ShoalError extends Error {
  /**
   * The code users match on: the defined SHOAL_ERR_ code, or for a failed
   * system call the errno's name (`ECONNRESET`), as `node:net` sets it.
   */
  readonly code: string;
  /** The defined code, also when `code` is an errno name. */
  readonly shoalCode: string;
  /** Negative errno of a failed system call, as Node's system errors have it. */
  readonly errno?: number;
  readonly syscall?: string;

  constructor(code: string, message: string, options?: ShoalErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.shoalCode = code;
    this.code = code;
    if (options?.errno !== undefined) {
      this.errno = -Math.abs(options.errno);
      this.code = errnoName(this.errno);
      if (options.syscall !== undefined) this.syscall = options.syscall;
    }
    this.name = `ShoalError [${code}]`;
  }
}

export interface ShoalErrorClass<A extends unknown[]> {
  new (...args: A): ShoalError;
  readonly code: string;
}

const registry = new Map<string, ShoalErrorClass<any>>();
/** Each code's message function, as text: tells a second copy of one definition from a clash. */
const definitions = new Map<string, string>();

/**
 * Defines the error class of one code. The constructor takes the message
 * function's arguments, and optionally one more: `{ cause, errno, syscall }`.
 */
export function defineError<A extends unknown[]>(
  code: string,
  format: (...args: A) => string,
): ShoalErrorClass<[...A] | [...A, ShoalErrorOptions]> {
  if (!CODE_PATTERN.test(code)) throw new TypeError(`error code ${code} does not follow SHOAL_ERR_<AREA>_<WHAT>`);
  // The same definition loaded twice (two copies of a package, or its source and its build in tests) is
  // fine; two different definitions of one code are a mistake.
  const known = registry.get(code);
  if (known && definitions.get(code) !== String(format)) throw new TypeError(`error code ${code} is defined twice`);
  const arity = format.length;
  const ErrorClass = class extends ShoalError {
    static readonly code = code;
    constructor(...args: any[]) {
      const options = args.length > arity ? (args[arity] as ShoalErrorOptions) : undefined;
      super(code, format(...(args.slice(0, arity) as A)), options);
    }
  };
  Object.defineProperty(ErrorClass, 'name', { value: code });
  if (!known) {
    registry.set(code, ErrorClass);
    definitions.set(code, String(format));
  }
  return ErrorClass as any;
}

/** Every code defined so far by the Shoal packages loaded in this process. */
export function definedErrorCodes(): string[] {
  return [...registry.keys()];
}

/** True for a Shoal error, and with `code`, for one of that code (defined code or errno name). */
export function isShoalError(err: unknown, code?: string): err is ShoalError {
  return err instanceof ShoalError && (code === undefined || err.shoalCode === code || err.code === code);
}

/** The code an unknown failure is reported under: its own string code if it has one. */
export function errorCodeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length > 0 ? code : UNKNOWN_ERROR_CODE;
}
