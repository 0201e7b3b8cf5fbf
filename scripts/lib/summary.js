// Adds up the jest JSON reports in a folder and prints "N passed, N failed".
//   node summary.js DIR [EXPECTED...]
// EXPECTED names reports that must be there (DIR/<name>.json): a suite that
// died before jest wrote its report (a User-Mode Linux guest that did not
// boot, say) counts as failed instead of silently adding nothing.
const fs = require('node:fs');
const path = require('node:path');

const [dir, ...expected] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
let suitesFailed = 0;
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
for (const file of files) {
  const report = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  suitesFailed += report.numRuntimeErrorTestSuites ?? 0;
}
const missing = expected.filter((name) => !files.includes(`${name}.json`));
for (const name of missing) console.log(`no report ${path.join(dir, `${name}.json`)}: that suite did not run to its end`);
if (suitesFailed > 0) console.log(`${suitesFailed} test suite(s) failed to run`);
if (process.env.CI === 'true' && skipped > 0) console.log(`${skipped} test(s) skipped: under CI=true nothing may skip`);
console.log(`${passed} passed, ${failed + suitesFailed + missing.length} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed + suitesFailed + missing.length > 0 || passed === 0 || (process.env.CI === 'true' && skipped > 0) ? 1 : 0);
