import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** The listener name of the demo's HTTPS side (the same controllers as `http`). */
export const HTTPS_LISTENER = 'https';

/**
 * The demo's HTTPS listener (SHOAL_DEMO_HTTPS_PORT, default 8443, "off"
 * turns it off): the same Nest controllers as `http`, over TLS with h2 by
 * ALPN, with a self-signed certificate for localhost made at first start in
 * apps/demo/.certs (with the openssl CLI). Replace the two files and run
 * `shoal reload` to serve another certificate. Without openssl there is
 * none, and `reason` says why in one line.
 */
export function httpsDemoListener(
  env: NodeJS.ProcessEnv = process.env,
  dir = join(__dirname, '..', '.certs'),
): { listeners: Record<string, object>; reason?: string } {
  const setting = env.SHOAL_DEMO_HTTPS_PORT ?? '8443';
  if (setting === 'off') return { listeners: {}, reason: 'HTTPS off: SHOAL_DEMO_HTTPS_PORT is "off"' };
  if (!/^\d+$/.test(setting) || Number(setting) > 65535) throw new RangeError(`SHOAL_DEMO_HTTPS_PORT must be a port number or "off", got ${JSON.stringify(setting)}`);
  const cert = join(dir, 'localhost.pem');
  const key = join(dir, 'localhost.key');
  if (!existsSync(cert) || !existsSync(key)) {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '365', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { listeners: {}, reason: 'HTTPS off: the openssl CLI that makes its certificate is not installed (apt-get install openssl)' };
      throw error;
    }
  }
  return {
    listeners: {
      [HTTPS_LISTENER]: { transport: 'http', port: Number(setting), options: { platform: 'fastify', maxParamLength: 1024, http2: true, tls: { cert, key } } },
    },
  };
}
