/**
 * The one way Shoal packages validate options (piscina's style): an Options
 * type, its defaults in the schema, and one call that lists every problem by
 * its field path and freezes the result.
 */
import type { z } from 'zod';
import { formatIssues } from './issues';

export type FieldPath = string | readonly PropertyKey[];

function pathParts(path: FieldPath): PropertyKey[] {
  return typeof path === 'string' ? (path === '' ? [] : path.split('.')) : [...path];
}

/** Freezes an options object and everything plain inside it (Buffers and class instances stay as they are). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && !Array.isArray(value)) return value;
  for (const inner of Object.values(value as Record<string, unknown>)) deepFreeze(inner);
  return Object.freeze(value);
}

export interface Validated<T> {
  /** The parsed options with defaults, frozen; undefined when there are problems. */
  readonly value: T | undefined;
  /** One line per problem, each naming its field path. */
  readonly problems: string[];
}

/** Parses `input`, which sits at `path` in the whole configuration. */
export function validateOptions<S extends z.ZodType>(schema: S, input: unknown, path: FieldPath): Validated<z.output<S>> {
  const { value, problems } = parse(schema, input, path);
  return { value: value === undefined ? undefined : deepFreeze(value), problems };
}

function parse<S extends z.ZodType>(schema: S, input: unknown, path: FieldPath): Validated<z.output<S>> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return { value: result.data, problems: [] };
  return { value: undefined, problems: formatIssues(schema, result.error.issues, input, pathParts(path)) };
}

/**
 * Parses `input` (the section named `section`) and returns the value, or adds
 * one line per problem to `problems` and returns undefined. The value is not
 * frozen: it is part of a configuration that is frozen once whole.
 */
export function parseSection<T extends z.ZodType>(schema: T, section: FieldPath, input: unknown, problems: string[]): z.output<T> | undefined {
  const { value, problems: found } = parse(schema, input, section);
  problems.push(...found);
  return value;
}

/**
 * Builds a schema on first use: modules that declare schemas load zod only
 * when something is validated (a worker receives options already validated).
 */
export function lazySchema<S>(build: () => S): () => S {
  let schema: S | undefined;
  return () => (schema ??= build());
}
