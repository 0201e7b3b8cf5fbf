// freeDiameter (Debian's freediameter package) as the real peer of the tests:
// a configuration written into a temporary directory (a self-signed
// certificate, which freeDiameter requires even when no peer uses TLS; the
// Shoal node as a ConnectPeer over SCTP only, without TLS; the test client
// allowed in by the acl_wl extension), the daemon's output kept line by line.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const FREEDIAMETERD = '/usr/bin/freeDiameterd';
export const FD_EXTENSIONS = '/usr/lib/freeDiameter';

export interface FreeDiameterSetup {
  readonly identity: string;
  readonly realm: string;
  /** Where freeDiameter listens (TCP and SCTP) for the test client. */
  readonly listenOn: readonly string[];
  readonly port: number;
  /** The Shoal node it connects to. */
  readonly shoal: { identity: string; realm: string; addresses: readonly string[]; port: number; twSeconds: number };
  /** Diameter identities allowed to connect in (acl_wl). */
  readonly clients: readonly string[];
}

export class FreeDiameter {
  readonly lines: string[] = [];
  private readonly waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  readonly exited: Promise<number | null>;

  private constructor(readonly proc: ChildProcess, readonly dir: string) {
    const take = (line: string): void => {
      this.lines.push(line);
      for (const w of [...this.waiters]) {
        if (w.re.test(line)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    };
    createInterface({ input: proc.stdout! }).on('line', take);
    createInterface({ input: proc.stderr! }).on('line', take);
    this.exited = once(proc, 'exit').then(([code]) => code as number | null);
  }

  static start(setup: FreeDiameterSetup): FreeDiameter {
    if (!existsSync(FREEDIAMETERD)) {
      throw new Error(`${FREEDIAMETERD} is missing: install Debian's freediameter package (apt-get install -y freediameter; scripts/lib/setup.sh lists it)`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'freediameter-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${setup.identity}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    writeFileSync(join(dir, 'acl_wl.conf'), `ALLOW_IPSEC ${setup.clients.join(' ')}\n`);
    const s = setup.shoal;
    const conf = [
      `Identity = "${setup.identity}";`,
      `Realm = "${setup.realm}";`,
      `Port = ${setup.port};`,
      'SecPort = 0;',
      'No_IPv6;',
      ...setup.listenOn.map((a) => `ListenOn = "${a}";`),
      `TLS_Cred = "${join(dir, 'cert.pem')}", "${join(dir, 'key.pem')}";`,
      `TLS_CA = "${join(dir, 'cert.pem')}";`,
      `LoadExtension = "${FD_EXTENSIONS}/acl_wl.fdx" : "${join(dir, 'acl_wl.conf')}";`,
      `ConnectPeer = "${s.identity}" { ${s.addresses.map((a) => `ConnectTo = "${a}";`).join(' ')} Port = ${s.port}; No_TLS; No_TCP; TwTimer = ${s.twSeconds}; Realm = "${s.realm}"; };`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'freeDiameter.conf'), conf);
    // freeDiameter logs through stdio, which a pipe buffers by blocks: stdbuf makes it line by line, so that a line
    // is there when the test looks for it (and none is missing when it checks that none came).
    const proc = spawn('stdbuf', ['-oL', '-eL', FREEDIAMETERD, '-c', join(dir, 'freeDiameter.conf'), '-d'], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new FreeDiameter(proc, dir);
  }

  /** The first line (past or future) that matches. */
  waitFor(re: RegExp, timeoutMs: number): Promise<string> {
    const past = this.lines.find((l) => re.test(l));
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`freeDiameter printed no line matching ${re} within ${timeoutMs} ms; last lines:\n${this.lines.slice(-30).join('\n')}`)), timeoutMs);
      this.waiters.push({
        re,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  matching(re: RegExp): string[] {
    return this.lines.filter((l) => re.test(l));
  }

  /** SIGTERM: freeDiameter sends DPR to its peers and closes once answered. */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}
