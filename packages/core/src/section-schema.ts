/**
 * How zod's findings become Shoal's configuration problems: one line each,
 * naming the field path, what it must be (the schema's message) and what was
 * given — `listeners.echo.port must be an integer from 0 to 65535, got 70000`.
 * options.ts uses it for the whole config, fleet-options.ts and
 * offload-options.ts for their sections.
 */
import { z } from 'zod';

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'config' : path.map(String).join('.');
}

/** The keys a strict object accepts at `path`, for "is not a known option (known: ...)". */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const key of [...path, null]) {
    while (current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
    if (current instanceof z.ZodUnion) current = (current.options as z.ZodType[]).find((o) => o instanceof z.ZodObject);
    if (key === null) break;
    if (current instanceof z.ZodObject) current = current.shape[String(key)] as z.ZodType | undefined;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return [];
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((value, key) => (isObject(value) ? value[key as string] : undefined), root);
}

/**
 * Turns zod's issues (of `schema` parsing `input`) into one-line problems;
 * `prefix` is where `input` sits in the whole configuration.
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
      else lines.push(`${pathOf(path)} must be ${issue.message}, got ${describe(issue.input)}`);
    } else if (issue.code === 'custom') {
      // A check across fields reports the whole object as its input: show the field's own value.
      lines.push(`${pathOf(path)} must be ${issue.message}, got ${describe(valueAt(input, issue.path))}`);
    } else {
      lines.push(`${pathOf(path)} must be ${issue.message}, got ${describe(issue.input)}`);
    }
  }
  return lines;
}

/**
 * Parses `input` (the section named `section`) and returns the value, or adds
 * one line per problem to `problems` and returns undefined.
 */
export function parseSection<T extends z.ZodType>(schema: T, section: string, input: unknown, problems: string[]): z.output<T> | undefined {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  problems.push(...formatIssues(schema, result.error.issues, input, [section]));
  return undefined;
}
