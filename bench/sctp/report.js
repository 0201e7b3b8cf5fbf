'use strict';
// Prints the bench/sctp table. Each round measures C, the addon and Node TCP
// back to back; ratios are taken within a round (so drift on a shared host
// cancels out) and the median over rounds is reported, with median rates.
const fs = require('node:fs');
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cases = [...new Set(rows.map((r) => `${r.mode} ${r.size}`))];
const pad = (s, n) => String(s).padStart(n);
console.log(`${'benchmark'.padEnd(16)}${pad('C msg/s', 10)}${pad('addon msg/s', 13)}${pad('node tcp msg/s', 16)}${pad('addon/C', 9)}${pad('addon/tcp', 11)}${pad('corked/C', 10)}   (medians of ${Math.max(...rows.map((r) => r.round))} rounds)`);
for (const c of cases) {
  const of = (impl) => rows.filter((r) => `${r.mode} ${r.size}` === c && r.impl === impl);
  const [C, A, T] = ['c', 'sctp', 'tcp'].map(of);
  const ratio = (X, Y) => median(X.map((x) => x.rate / Y.find((y) => y.round === x.round).rate));
  const rate = (X) => Math.round(median(X.map((x) => x.rate)));
  const K = of('sctp-cork');
  const corked = K.length ? ratio(K, C).toFixed(2) : '-';
  console.log(`${c.padEnd(16)}${pad(rate(C), 10)}${pad(rate(A), 13)}${pad(rate(T), 16)}${pad(ratio(A, C).toFixed(2), 9)}${pad(ratio(A, T).toFixed(2), 11)}${pad(corked, 10)}`);
}
