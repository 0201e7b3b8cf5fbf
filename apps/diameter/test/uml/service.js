// The Diameter example as a Shoal service for the tests inside UML: the app's
// own module and listener (SHOAL_DIAMETER_* in the environment, see
// src/app/settings.ts), with the test's cluster settings from
// SHOAL_TEST_CONFIG (as test/helpers/cluster.ts starts services).
'use strict';
require('reflect-metadata');
const { run } = require('@shoal/core');
const { sctpTransport } = require('@shoal/transport-sctp');
const { DiameterModule, DIAMETER_LISTENER, diameterSettings } = require('../../dist');

const test = JSON.parse(process.env.SHOAL_TEST_CONFIG || '{}');
const listener = { ...diameterSettings().listener, port: 0 };
void run({ loadModule: () => DiameterModule, transports: [sctpTransport()], config: { ...test, listeners: { [DIAMETER_LISTENER]: listener } } });
