// The host-side test suites of every package, run together by scripts/test.sh.
// (The SCTP suite that needs a kernel with SCTP runs inside User-Mode Linux.)
module.exports = {
  projects: ['<rootDir>/packages/core', '<rootDir>/packages/transport-tcp', '<rootDir>/packages/transport-sctp', '<rootDir>/test'],
};
