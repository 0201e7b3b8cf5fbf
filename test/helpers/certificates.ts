/**
 * A test CA made with the openssl CLI (Debian package openssl, in
 * SHOAL_TEST_DEBIAN_PACKAGES of scripts/lib/setup.sh), and server
 * certificates it issues, as PEM files. EC P-256 keys, which openssl makes at once.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('the TLS tests make their certificates with the openssl CLI: install it (apt-get install openssl)');
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export class TestCa {
  readonly cert: string;
  private readonly key: string;
  private serial = 1;

  constructor(private readonly dir: string) {
    this.cert = join(dir, 'ca.pem');
    this.key = join(dir, 'ca.key');
    openssl(['req', '-x509', ...EC_KEY, '-keyout', this.key, '-out', this.cert, '-days', '2', '-subj', '/CN=Shoal Test CA']);
  }

  get pem(): Buffer {
    return readFileSync(this.cert);
  }

  /**
   * A certificate for localhost and 127.0.0.1, written to `cert` and `key`
   * (replacing what they held, as a renewal does); returns its SHA-256 fingerprint.
   */
  issueServer(cert: string, key: string): string {
    const csr = join(this.dir, 'server.csr');
    const ext = join(this.dir, 'server.ext');
    writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    openssl(['req', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', '/CN=localhost']);
    const serial = `0x${(Date.now() * 1000 + this.serial++).toString(16)}`;
    openssl(['x509', '-req', '-in', csr, '-CA', this.cert, '-CAkey', this.key, '-set_serial', serial, '-days', '2', '-out', cert, '-extfile', ext]);
    return new X509Certificate(readFileSync(cert)).fingerprint256;
  }
}
