// A throwaway self-signed certificate for localhost and 127.0.0.1, made with
// the openssl CLI (Debian package openssl) in a temp dir of its own, which
// remove() deletes (and, failing that, the exit of the process).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const KEYS = Object.freeze({
  ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
  rsa: ['-newkey', 'rsa:2048'],
});

/** `key`: 'ec' (P-256) or 'rsa' (2048 bits). Returns the PEM files' paths and remove(). */
function throwawayCertificate(key = 'ec') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-tls-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  process.on('exit', remove);
  const cert = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const argv = ['req', '-x509', ...KEYS[key], '-nodes', '-keyout', keyFile, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
  try {
    execFileSync('openssl', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    remove();
    if (err.code === 'ENOENT') throw new Error('bench/tls makes its certificate with the openssl CLI: apt-get install openssl');
    throw new Error(`openssl ${argv.join(' ')} failed: ${err.stderr?.toString() ?? err.message}`);
  }
  return { cert, key: keyFile, pem: fs.readFileSync(cert, 'utf8'), remove };
}

module.exports = { throwawayCertificate };
