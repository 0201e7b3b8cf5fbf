// One project, run on the host: the tests open TCP and UDP sockets on
// loopback only (and start a short python3 process as the "stranger").
module.exports = {
  displayName: 'reuseport',
  testEnvironment: 'node',
  testTimeout: 60000,
  roots: ['<rootDir>/test/host'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
};
