// The node's options and the settings from the environment: defaults, one
// error that names every bad field, frozen results; the error code documented.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIAMETER_NODE_DEFAULTS, validateDiameterNodeOptions } from '../../src/node';
import { diameterSettings } from '../../src/app';
import * as errors from '../../src/errors';

describe('Diameter node options', () => {
  test('defaults fill what is not given; the result is frozen', () => {
    const o = validateDiameterNodeOptions({ originHost: 'a.example.org', originRealm: 'example.org', hostIpAddresses: ['192.0.2.2'] });
    expect(o).toEqual({ originHost: 'a.example.org', originRealm: 'example.org', hostIpAddresses: ['192.0.2.2'], ...DIAMETER_NODE_DEFAULTS });
    expect(Object.isFrozen(o)).toBe(true);
  });

  test('every bad field is named in one SHOAL_ERR_DIAMETER_OPTIONS_INVALID', () => {
    let error: Error & { code?: string } = new Error('none');
    try {
      validateDiameterNodeOptions({ originHost: 'not a host', originRealm: 'example.org', hostIpAddresses: ['localhost'], watchdogMs: 1000, extra: 1 });
    } catch (err) {
      error = err as Error;
    }
    expect(error.code).toBe('SHOAL_ERR_DIAMETER_OPTIONS_INVALID');
    expect(error.message).toMatch(/diameter\.originHost/);
    expect(error.message).toMatch(/diameter\.hostIpAddresses\.0/);
    expect(error.message).toMatch(/diameter\.watchdogMs .*6000/);
    expect(error.message).toMatch(/extra/);
  });

  test('settings from SHOAL_DIAMETER_*: the first address is the listener host, the rest its extra addresses; all are Host-IP-Addresses', () => {
    const s = diameterSettings({ SHOAL_DIAMETER_ADDRESSES: '192.0.2.2, 192.0.2.3', SHOAL_DIAMETER_PORT: '3869', SHOAL_DIAMETER_WATCHDOG_MS: '6000' });
    expect(s.listener).toMatchObject({ transport: 'sctp', host: '192.0.2.2', port: 3869, options: { style: 'one-to-one', addresses: ['192.0.2.3'], handOffOnReload: true } });
    expect(s.node.hostIpAddresses).toEqual(['192.0.2.2', '192.0.2.3']);
    expect(s.node.watchdogMs).toBe(6000);
    expect(() => diameterSettings({ SHOAL_DIAMETER_WATCHDOG_MS: 'soon' })).toThrow(/SHOAL_DIAMETER_\*\.watchdogMs/);
  });

  test('every error code of the app is in its docs/errors.md section', () => {
    const codes = Object.values(errors).map((e) => (e as { code: string }).code).sort();
    const doc = fs.readFileSync(path.join(__dirname, '../../../../docs/errors.md'), 'utf8').split('\n## @shoal/diameter-example\n')[1].split('\n## ')[0];
    expect([...doc.matchAll(/^\| `(SHOAL_ERR_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]).sort()).toEqual(codes);
  });
});
