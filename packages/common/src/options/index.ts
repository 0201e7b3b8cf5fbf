/**
 * Room `options`: validation of options against zod schemas, with problems
 * that name each field by its path. zod is a type import only; the packages
 * that declare schemas depend on it.
 */
export { describe, formatIssues } from './issues';
export { deepFreeze, lazySchema, parseSection, validateOptions } from './validate';
export type { FieldPath, Validated } from './validate';
