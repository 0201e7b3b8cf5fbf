// Adds up the jest JSON reports in a folder and prints "N passed, N failed".
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
let suitesFailed = 0;
for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : []) {
  const report = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  suitesFailed += report.numRuntimeErrorTestSuites ?? 0;
}
if (suitesFailed > 0) console.log(`${suitesFailed} test suite(s) failed to run`);
if (process.env.CI === 'true' && skipped > 0) console.log(`${skipped} test(s) skipped: under CI=true nothing may skip`);
console.log(`${passed} passed, ${failed + suitesFailed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed + suitesFailed > 0 || passed === 0 || (process.env.CI === 'true' && skipped > 0) ? 1 : 0);
