'use strict';
// Builds the addon with node-gyp when it is missing or older than its sources
// (node-gyp-build alone would keep a stale binary after native/ changes).
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const binary = path.join(root, 'build/Release/shoal_reuseport.node');
const sources = ['binding.gyp', ...fs.readdirSync(path.join(root, 'native')).map((f) => `native/${f}`)];
const built = fs.existsSync(binary) ? fs.statSync(binary).mtimeMs : 0;
const newest = Math.max(...sources.map((f) => fs.statSync(path.join(root, f)).mtimeMs));
if (built >= newest) process.exit(0);
console.log(`[@shoal/reuseport] building the native addon (${built ? 'sources changed' : 'not built yet'}) ...`);
const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
const r = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
