// Two projects: `host` (the codec and the node, anywhere) and `uml` (against
// freeDiameter over kernel SCTP, inside User-Mode Linux: pnpm test:uml).
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
};
module.exports = {
  testTimeout: 60000,
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  projects: [
    { displayName: 'host', testEnvironment: 'node', roots: ['<rootDir>/test/host'], transform },
    { displayName: 'uml', testEnvironment: 'node', roots: ['<rootDir>/test/uml'], transform, testTimeout: 300000 },
  ],
};
