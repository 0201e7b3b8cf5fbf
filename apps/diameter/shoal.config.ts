// The Diameter example's configuration, read by `shoal start` (see docs/cli.md).
// Addresses, port, identity and Tw come from SHOAL_DIAMETER_* (src/app/settings.ts);
// workers: SHOAL_WORKERS; admin endpoint: SHOAL_ADMIN=host:port.
import { defineConfig } from '@shoal/core';
import { DIAMETER_LISTENER, diameterSettings } from './src/app';

export default defineConfig({
  name: 'diameter',
  app: './dist/shoal.app.js',
  listeners: {
    // One-to-one SCTP, multi-homed on every SHOAL_DIAMETER_ADDRESSES address; associations
    // move to the new worker on reload with their Diameter state.
    [DIAMETER_LISTENER]: diameterSettings().listener,
  },
  drainTimeoutMs: 10_000,
});
