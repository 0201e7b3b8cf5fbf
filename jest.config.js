// The host-side test suites of every package, run together by scripts/test.sh.
// The SCTP suites that need a kernel with SCTP run inside User-Mode Linux
// (pnpm --filter @shoal/sctp test:uml, pnpm --filter @shoal/transport-sctp
// test:uml, pnpm --filter @shoal/diameter-example test:uml); here only their
// host parts.
const sctpHost = (name, dir = 'packages') => ({
  displayName: `${name}-host`,
  rootDir: `<rootDir>/${dir}/${name}`,
  testEnvironment: 'node',
  roots: ['<rootDir>/test/host'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
});

module.exports = {
  // Cluster tests start real processes on loopback; two files at a time keeps a 2-core machine responsive.
  maxWorkers: 2,
  testSequencer: '<rootDir>/jest.sequencer.js',
  projects: [
    '<rootDir>/packages/common',
    '<rootDir>/packages/core',
    '<rootDir>/packages/redis',
    '<rootDir>/packages/systemd',
    '<rootDir>/packages/transport-tcp',
    '<rootDir>/packages/reuseport',
    sctpHost('sctp'),
    sctpHost('transport-sctp'),
    // The Diameter example: its codec and node here; against freeDiameter inside UML (apps/diameter/test/uml).
    sctpHost('diameter', 'apps'),
    '<rootDir>/test',
  ],
};
