'use strict';
// Reads a valgrind log; fails on any error or definite leak whose stack goes
// through the addon, and prints the leak summary.
const fs = require('node:fs');
const log = fs.readFileSync(process.argv[2], 'utf8');
const blocks = log.split(/\n==\d+== \n/);
const ours = blocks.filter((b) => b.includes('shoal_sctp.node') &&
  (/definitely lost/.test(b) || /Invalid (read|write|free)|uninitialised|Mismatched free|overlap/.test(b)));
const summary = log.split('\n').filter((l) => /definitely lost:|indirectly lost:|ERROR SUMMARY|in use at exit/.test(l));
console.log('[valgrind] ' + summary.map((l) => l.replace(/^==\d+==\s*/, '')).join('\n[valgrind] '));
if (!/HEAP SUMMARY/.test(log)) {
  console.error('[valgrind] the log has no heap summary: valgrind did not finish');
  process.exit(1);
}
if (ours.length > 0) {
  console.error(`[valgrind] ${ours.length} problem(s) in the addon:\n` + ours.join('\n----\n'));
  process.exit(1);
}
console.log('[valgrind] no memory error and no definite leak in shoal_sctp.node');
