// Two projects: `host` runs anywhere (the addon loads; without SCTP in the
// kernel, opening a socket fails with SHOAL_ERR_SCTP_UNSUPPORTED); `uml` needs
// a kernel with SCTP and runs inside User-Mode Linux (pnpm test:uml).
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
};
module.exports = {
  testTimeout: 120000,
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  projects: [
    { displayName: 'host', testEnvironment: 'node', roots: ['<rootDir>/test/host'], transform },
    { displayName: 'uml', testEnvironment: 'node', roots: ['<rootDir>/test/uml'], transform, testTimeout: 120000 },
  ],
};
