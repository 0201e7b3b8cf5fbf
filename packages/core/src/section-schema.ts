/**
 * Validation of an option section with a zod schema, in the style of
 * options.ts: every problem names its field path (`redis.url must be ...`),
 * and all of them are reported at once.
 */
import type { z } from 'zod';

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/**
 * Parses `input` (the section at `section`) and returns the value, or adds
 * one line per problem to `problems` and returns undefined. The schema's
 * messages say what a field must be ("an integer >= 1"); this adds the path
 * and what was given.
 */
export function parseSection<T extends z.ZodType>(schema: T, section: string, input: unknown, problems: string[]): z.output<T> | undefined {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const path = [section, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(`${path}.${key} is not a known option`);
    } else {
      // A check across fields reports the whole object as its input: show the field's own value.
      const given = issue.code === 'custom' ? issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey], input) : issue.input;
      problems.push(`${path} must be ${issue.message}, got ${describe(given)}`);
    }
  }
  return undefined;
}
