/**
 * Test certificate authorities, made at test time with the openssl CLI
 * (Debian package openssl, in SHOAL_TEST_DEBIAN_PACKAGES of scripts/lib/setup.sh):
 * a CA per call, and certificates it issues, as PEM files in a temporary
 * directory. EC P-256 keys, which openssl makes at once.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('the TLS tests make their certificates with the openssl CLI: install it (apt-get install openssl)');
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface Issued {
  /** PEM file paths. */
  readonly cert: string;
  readonly key: string;
}

export class TestCa {
  /** The CA's certificate (PEM file path), what clients and tls.ca trust. */
  readonly cert: string;
  private readonly key: string;
  private serial = 1;

  /** A new CA, with its files in `dir`. */
  constructor(readonly dir: string, readonly name: string) {
    this.cert = join(dir, `${name}.pem`);
    this.key = join(dir, `${name}.key`);
    openssl(['req', '-x509', ...EC_KEY, '-keyout', this.key, '-out', this.cert, '-days', '2', '-subj', `/CN=${name}`], dir);
  }

  /** The CA's certificate itself, for a client's `ca`. */
  get pem(): Buffer {
    return readFileSync(this.cert);
  }

  /**
   * A certificate for `commonName` (a server with `names` as its DNS names,
   * 127.0.0.1 as its address; or a client), written as `<file>.pem` and `<file>.key`.
   */
  issue(commonName: string, { names = [], file = commonName.replace(/[^a-z0-9.-]/gi, '_') }: { names?: string[]; file?: string } = {}): Issued {
    const cert = join(this.dir, `${file}.pem`);
    const key = join(this.dir, `${file}.key`);
    const csr = join(this.dir, `${file}.csr`);
    const ext = join(this.dir, `${file}.ext`);
    const altNames = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',');
    writeFileSync(ext, names.length > 0 ? `subjectAltName=${altNames}\n` : 'basicConstraints=CA:FALSE\n');
    openssl(['req', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${commonName}`], this.dir);
    const serial = `0x${(Date.now() * 1000 + this.serial++).toString(16)}`;
    openssl(['x509', '-req', '-in', csr, '-CA', this.cert, '-CAkey', this.key, '-set_serial', serial, '-days', '2', '-out', cert, '-extfile', ext], this.dir);
    return { cert, key };
  }

  /** `issued`'s key, encrypted with `passphrase`, as `<file>.key`. */
  encryptKey(issued: Issued, passphrase: string, file: string): string {
    const key = join(this.dir, `${file}.key`);
    openssl(['pkey', '-in', issued.key, '-aes256', '-passout', `pass:${passphrase}`, '-out', key], this.dir);
    return key;
  }
}

/** A temporary directory for a test file's certificates, and its removal. */
export function certificateDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-tls-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The SHA-256 fingerprint of a PEM certificate, as TLS peers report it (`AB:CD:...`). */
export function fingerprint(certFile: string): string {
  return new X509Certificate(readFileSync(certFile)).fingerprint256;
}
