/**
 * Room `cli`: the `shoal` command. main.ts and worker-main.ts are programs,
 * not imported; the door only lets `shoal doctor`'s checks out.
 */
export { runDoctor } from './doctor';
export type { CheckResult, CheckStatus } from './doctor';
