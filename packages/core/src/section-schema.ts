/**
 * The configuration's sections are validated by @shoal/common's one
 * mechanism (zod schemas, problems named by field path).
 */
export { describe, formatIssues, parseSection } from '@shoal/common';
