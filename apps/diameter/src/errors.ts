/**
 * The failures of the Diameter example itself, one code each, with a message
 * that says what to do; docs/errors.md lists them (a test checks it). What a
 * peer gets wrong is not an error of this process: it is answered with a
 * Diameter Result-Code (src/codec/codes.ts) and counted.
 */
import { defineError } from '@shoal/core';

export const ERR_DIAMETER_OPTIONS_INVALID = defineError(
  'SHOAL_ERR_DIAMETER_OPTIONS_INVALID',
  (problems: readonly string[]) =>
    `invalid Diameter node options:\n  ${problems.join('\n  ')}\nFix these fields (or the SHOAL_DIAMETER_* environment variables they come from, see apps/diameter/README.md).`,
);
