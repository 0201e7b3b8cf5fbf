import { isWorkerProcess, run } from '@shoal/core';
import { tcpTransports } from '@shoal/transport-tcp';
import { demoConfig, describeEnvironment } from './settings';

let config;
try {
  config = demoConfig();
} catch (error) {
  process.stderr.write(`shoal demo: ${(error as Error).message}\n`);
  process.exit(1);
}
if (!isWorkerProcess()) process.stdout.write(`Shoal demo settings (environment variables):\n${describeEnvironment()}\n`);

void run({
  // Loaded in workers only: the supervisor runs no application code.
  loadModule: () => require('./app.module').DemoModule,
  transports: tcpTransports(),
  config,
});
