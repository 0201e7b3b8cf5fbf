// The host-side test suites of every package, run together by scripts/test.sh.
// The SCTP suite that needs a kernel with SCTP runs inside User-Mode Linux
// (pnpm --filter @shoal/transport-sctp test:uml); here only its host part.
module.exports = {
  // Cluster tests start real processes on loopback; two files at a time keeps a 2-core machine responsive.
  maxWorkers: 2,
  projects: [
    '<rootDir>/packages/common',
    '<rootDir>/packages/core',
    '<rootDir>/packages/redis',
    '<rootDir>/packages/transport-tcp',
    {
      displayName: 'sctp-host',
      rootDir: '<rootDir>/packages/transport-sctp',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/host'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
    },
    '<rootDir>/test',
  ],
};
