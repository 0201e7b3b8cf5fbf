/**
 * How a zod schema's findings become Shoal's option problems: one line each,
 * naming the field path, what it must be (the schema's message) and what was
 * given: `listeners.echo.port must be an integer from 0 to 65535, got 70000`.
 * zod is only a type here: this module loads without it, so that a process
 * that validates nothing (a worker) never loads zod.
 */
import type { z } from 'zod';

/** `scheme://user:password@`: the password of a URL. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:)[^@/\s]*@/i;

/** A value as an error message shows it (a URL without its password). */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.replace(URL_PASSWORD, '$1***@'));
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? 'a function' : String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** Fields whose value is a secret (a TLS key's passphrase): problems name their type, never their value. */
const SECRET_FIELD = /passphrase|password|secret|token/i;

/** What was given at `path`, as a problem shows it: a secret field's only by its type, since problems are printed and logged. */
function given(path: readonly PropertyKey[], value: unknown): string {
  const field = path[path.length - 1];
  if (typeof field !== 'string' || !SECRET_FIELD.test(field) || value === undefined || value === null) return describe(value);
  const type = Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  return `${type} (not shown: a secret)`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'config' : path.map(String).join('.');
}

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  in?: z.ZodType;
}

function defOf(schema: z.ZodType | undefined): SchemaDef | undefined {
  return (schema as unknown as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** Through optional, default, nullable and pipe wrappers, and to the object branch of a union. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (!def) return current;
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else if (def.type === 'union' && def.options) current = def.options.find((o) => defOf(unwrap(o))?.type === 'object');
    else return current;
  }
}

/** The keys a strict object accepts at `path`, for "is not a known option (known: ...)". */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const key of path) {
    const def = defOf(current);
    if (def?.type === 'object' && def.shape) current = unwrap(def.shape[String(key)]);
    else if (def?.type === 'record' && def.valueType) current = unwrap(def.valueType);
    else return [];
  }
  const def = defOf(current);
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((value, key) => (isObject(value) || Array.isArray(value) ? (value as Record<string, unknown>)[key as string] : undefined), root);
}

/**
 * Turns zod's issues (of `schema` parsing `input`) into one-line problems;
 * `prefix` is where `input` sits (e.g. ['listeners', 'echo', 'options']).
 */
export function formatIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[], input: unknown, prefix: readonly PropertyKey[] = []): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) lines.push(`${pathOf([...path, key])} is not a known option${known.length ? ` (known: ${known.join(', ')})` : ''}`);
    } else if (issue.code === 'invalid_union' && isObject(issue.input)) {
      // An object given where "false or an object" is accepted: report what is wrong inside the object.
      const inside = issue.errors.find((branch) => branch.every((i) => i.path.length > 0 || i.code === 'unrecognized_keys'));
      if (inside) lines.push(...formatIssues(schema, inside.map((i) => ({ ...i, path: [...issue.path, ...i.path] })), input, prefix));
      else lines.push(`${pathOf(path)} must be ${issue.message}, got ${given(path, issue.input)}`);
    } else if (issue.code === 'custom') {
      // A check across fields reports the whole object as its input: show the field's own value.
      lines.push(`${pathOf(path)} must be ${issue.message}, got ${given(path, valueAt(input, issue.path))}`);
    } else {
      lines.push(`${pathOf(path)} must be ${issue.message}, got ${given(path, issue.input)}`);
    }
  }
  return lines;
}
