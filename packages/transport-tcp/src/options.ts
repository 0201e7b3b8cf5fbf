/**
 * What the transports' option validation shares (piscina's style: one Options
 * type per transport, its defaults in one constant, one function that names
 * every bad field by its path and freezes the result). The schemas are zod's,
 * validated through @shoal/common's validateOptions; each is built on first
 * use, and zod is loaded only then: loading the transport (a worker, which
 * receives its listeners' options validated already) never loads it.
 */
import type { z } from 'zod';
import type { HandlerErrorPolicies } from '@shoal/core';
import { validateOptions } from '@shoal/common';

export type Zod = typeof z;

/** zod itself, for a schema builder (see lazySchema in @shoal/common). */
export function loadZod(): Zod {
  return (require('zod') as { z: Zod }).z;
}

const quoted = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');

/** Field schemas whose messages read "<path> must be <what>, got <value>". */
export function fields(zod: Zod) {
  return {
    positiveInt: (max = Number.MAX_SAFE_INTEGER) =>
      zod
        .int({ error: max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `a positive integer up to ${max}` })
        .min(1)
        .max(max),
    nonNegativeInt: () => zod.int({ error: 'a non-negative integer (0 = none)' }).min(0),
    boolean: () => zod.boolean({ error: 'true or false' }),
    oneOf: <T extends string>(values: readonly [T, ...T[]]) => zod.enum(values, { error: `one of ${quoted(values)}` }),
    /**
     * `onHandlerError` (see HandlerErrorPolicy in @shoal/core): the values the
     * transport supports, and the ones still accepted for an older name (`aliases`).
     */
    onHandlerError: (policies: HandlerErrorPolicies, aliases: readonly string[] = []) =>
      zod.enum([...policies.supported, ...aliases] as [string, ...string[]], { error: `one of ${quoted(policies.supported)}` }),
  };
}

const NO_OPTIONS = Object.freeze({});

/** The options as the Transport interface returns them: empty (and unused) when there are problems. */
export function transportOptions<T>(schema: z.ZodType<T>, input: unknown, path: string): { options: Readonly<T>; problems: string[] } {
  const { value, problems } = validateOptions(schema, input ?? {}, path);
  return { options: value ?? (NO_OPTIONS as Readonly<T>), problems };
}
