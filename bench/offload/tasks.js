// The CPU-heavy task of the offload benchmark, run in a piscina thread (or,
// for the comparison, on the worker's event loop): PBKDF2 key derivation, the
// kind of crypto a login handler does.
const { pbkdf2Sync } = require('node:crypto');

function derive({ iterations }) {
  return pbkdf2Sync('password', 'salt', iterations, 32, 'sha256').toString('hex');
}

module.exports = { derive };
