/**
 * Core loads @shoal/systemd only under systemd and does not depend on it: it
 * declares the shape it calls (SystemdBackend). This file ties the two
 * together: the assignment below fails the type-check (pnpm typecheck) when
 * the package and core's declaration drift apart, and the test fails when a
 * function core loads by name is missing at run time.
 */
import type { SystemdBackend } from '@shoal/core';
import * as systemd from '@shoal/systemd';

const asCoreSeesIt: SystemdBackend = systemd;

it('@shoal/systemd exports every function core loads, with the shapes core declares', () => {
  for (const name of ['notify', 'passedSocketInfo', 'setCloseOnExec'] as const) expect(typeof asCoreSeesIt[name]).toBe('function');
});
