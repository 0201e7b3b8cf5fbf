import { ERR_CONFIG_INVALID } from '@shoal/core';

/**
 * Small checks shared by the transports' option validation (piscina style:
 * one Options type per transport, its defaults in one constant, one function
 * that names every bad field by its path and freezes the result).
 */

export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Collects problems for one options object at `path`. */
export class OptionsChecker {
  readonly problems: string[] = [];
  readonly input: Record<string, unknown>;

  constructor(
    options: unknown,
    readonly path: string,
    known: readonly string[],
    transport: string,
  ) {
    if (options === undefined || options === null) {
      this.input = {};
      return;
    }
    if (typeof options !== 'object' || Array.isArray(options)) {
      this.problems.push(`${path} must be an object, got ${describe(options)}`);
      this.input = {};
      return;
    }
    this.input = options as Record<string, unknown>;
    for (const key of Object.keys(this.input)) {
      if (!known.includes(key)) {
        this.problems.push(`${path}.${key} is not an option of the ${transport} transport (known: ${known.join(', ')})`);
      }
    }
  }

  private value<T>(key: string, fallback: T, ok: (v: unknown) => boolean, what: string): T {
    const v = this.input[key];
    if (v === undefined) return fallback;
    if (!ok(v)) {
      this.problems.push(`${this.path}.${key} must be ${what}, got ${describe(v)}`);
      return fallback;
    }
    return v as T;
  }

  positiveInt(key: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
    const what = max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `a positive integer up to ${max}`;
    return this.value(key, fallback, (v) => Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= max, what);
  }

  nonNegativeInt(key: string, fallback: number): number {
    return this.value(key, fallback, (v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer (0 = none)');
  }

  optionalPositiveInt(key: string): number | undefined {
    return this.value<number | undefined>(key, undefined, (v) => Number.isSafeInteger(v) && (v as number) > 0, 'a positive integer');
  }

  boolean(key: string, fallback: boolean): boolean {
    return this.value(key, fallback, (v) => typeof v === 'boolean', 'true or false');
  }

  oneOf<T extends string>(key: string, fallback: T, allowed: readonly T[]): T {
    return this.value(key, fallback, (v) => allowed.includes(v as T), `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }

  isSet(key: string): boolean {
    return this.input[key] !== undefined;
  }
}

/**
 * The options a listener runs with: the core passes options it validated
 * already, and validating again only fills what a hand-built spec left out.
 */
export function optionsOf<T>(
  spec: { readonly name: string; readonly options: unknown },
  validate: (options: unknown, path: string) => { options: T; problems: string[] },
): T {
  const { options, problems } = validate(spec.options, `listeners.${spec.name}.options`);
  if (problems.length > 0) throw new ERR_CONFIG_INVALID(problems);
  return options;
}
