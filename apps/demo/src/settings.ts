import type { ShoalOptions } from '@shoal/core';

/** The demo's settings come from the environment; each variable has a default that is printed at start. */
export const ENVIRONMENT = {
  SHOAL_DEMO_HTTP_PORT: { default: '8080', meaning: 'HTTP port (GET / and GET /stats)' },
  SHOAL_DEMO_TCP_PORT: { default: '7070', meaning: 'TCP port (newline-delimited echo)' },
  SHOAL_DEMO_UDP_PORT: { default: '7071', meaning: 'UDP port (datagram echo)' },
  SHOAL_WORKERS: { default: 'number of cores', meaning: 'worker processes' },
  SHOAL_ADMIN: { default: '127.0.0.1:9464', meaning: 'admin endpoint host:port (/metrics, /healthz, /readyz)' },
} as const;

type Variable = keyof typeof ENVIRONMENT;

function port(name: Variable): number {
  const raw = process.env[name] ?? ENVIRONMENT[name].default;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65535) {
    throw new Error(`${name} must be a port number from 0 to 65535, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function admin(): { host: string; port: number } {
  const raw = process.env.SHOAL_ADMIN ?? ENVIRONMENT.SHOAL_ADMIN.default;
  const match = /^(.+):(\d+)$/.exec(raw);
  if (!match || Number(match[2]) > 65535) throw new Error(`SHOAL_ADMIN must be host:port (e.g. 127.0.0.1:9464), got ${JSON.stringify(raw)}`);
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
}

function workers(): number | undefined {
  const raw = process.env.SHOAL_WORKERS;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`SHOAL_WORKERS must be a whole number >= 1, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export function demoConfig(): ShoalOptions {
  return {
    workers: workers(),
    admin: admin(),
    listeners: {
      http: { transport: 'http', port: port('SHOAL_DEMO_HTTP_PORT') },
      echo: { transport: 'tcp', port: port('SHOAL_DEMO_TCP_PORT'), options: { framing: 'lines', maxFrameBytes: 64 * 1024 } },
      udp: { transport: 'udp', port: port('SHOAL_DEMO_UDP_PORT') },
    },
  };
}

export function describeEnvironment(): string {
  return Object.entries(ENVIRONMENT)
    .map(([name, v]) => `  ${name.padEnd(22)} ${(process.env[name] ?? `${v.default} (default)`).padEnd(26)} ${v.meaning}`)
    .join('\n');
}
