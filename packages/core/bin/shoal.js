#!/usr/bin/env node
// A committed launcher, so that package managers can link the `shoal` bin before dist/ is built.
require('../dist/cli/main.js');
