'use strict';
// Prints the bench/sctp table: best of the rounds per implementation, and the
// ratios addon/C and addon/TCP.
const fs = require('node:fs');
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const best = new Map();
for (const r of rows) {
  const k = `${r.mode} ${r.size} ${r.impl}`;
  if (!best.has(k) || best.get(k).rate < r.rate) best.set(k, r);
}
const cases = [...new Set(rows.map((r) => `${r.mode} ${r.size}`))];
const pad = (s, n) => String(s).padStart(n);
console.log(`${'benchmark'.padEnd(16)}${pad('C msg/s', 10)}${pad('addon msg/s', 13)}${pad('node tcp msg/s', 16)}${pad('addon/C', 9)}${pad('addon/tcp', 11)}`);
for (const c of cases) {
  const [C, A, T] = ['c', 'sctp', 'tcp'].map((i) => best.get(`${c} ${i}`));
  console.log(`${c.padEnd(16)}${pad(C.rate, 10)}${pad(A.rate, 13)}${pad(T.rate, 16)}${pad((A.rate / C.rate).toFixed(2), 9)}${pad((A.rate / T.rate).toFixed(2), 11)}`);
}
