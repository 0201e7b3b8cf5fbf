import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverrides, envKey, findConfigFile, readConfigFile } from '../../src/config/config-file';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'shoal-config-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('config files', () => {
  it('reads shoal.config.ts (types stripped on the fly), found in the working directory', async () => {
    writeFileSync(
      join(dir, 'shoal.config.ts'),
      `interface Extra { port: number }\nconst http: Extra = { port: 8080 };\nexport default { workers: 2 as number, listeners: { http: { transport: 'http', ...http } } };\n`,
    );
    const file = findConfigFile(undefined, dir);
    expect(file).toBe(join(dir, 'shoal.config.ts'));
    expect(await readConfigFile(file!)).toEqual({ workers: 2, listeners: { http: { transport: 'http', port: 8080 } } });
  });

  it('reads .json and .js (a function may build the config), and says what is wrong with a broken file', async () => {
    writeFileSync(join(dir, 'a.json'), '{"workers": 3, "listeners": {}}');
    expect(await readConfigFile(join(dir, 'a.json'))).toEqual({ workers: 3, listeners: {} });
    writeFileSync(join(dir, 'b.js'), 'module.exports = async () => ({ workers: 4, listeners: {} });');
    expect(await readConfigFile(join(dir, 'b.js'))).toEqual({ workers: 4, listeners: {} });
    writeFileSync(join(dir, 'c.json'), '{"workers": 3,');
    await expect(readConfigFile(join(dir, 'c.json'))).rejects.toThrow(/could not read the configuration file .*c\.json: .*JSON/);
    writeFileSync(join(dir, 'd.js'), 'module.exports = 42;');
    await expect(readConfigFile(join(dir, 'd.js'))).rejects.toThrow(/it must export an object \(export default defineConfig/);
    expect(() => findConfigFile('missing.ts', dir)).toThrow(/missing\.ts: no such file/);
  });

  it('lays environment variables over the file and flags over both, remembering who set what', () => {
    const base = { workers: 1, logLevel: 'info' as const, listeners: { 'web-api': { transport: 'http', port: 80 } } };
    const env = { SHOAL_WORKERS: '3', SHOAL_LOG_LEVEL: 'debug', SHOAL_ADMIN: 'off', SHOAL_LISTENER_WEB_API_PORT: '8081', SHOAL_DRAIN_TIMEOUT_MS: '500' };
    const { config, origins } = applyOverrides(base, env, { workers: '4', admin: '[::1]:9000' });
    expect(config).toMatchObject({ workers: 4, logLevel: 'debug', admin: { host: '::1', port: 9000 }, drainTimeoutMs: 500 });
    expect(config.listeners['web-api'].port).toBe(8081);
    expect(base.listeners['web-api'].port).toBe(80);
    expect(Object.fromEntries(origins)).toEqual({
      workers: '--workers',
      logLevel: 'SHOAL_LOG_LEVEL',
      admin: '--admin',
      drainTimeoutMs: 'SHOAL_DRAIN_TIMEOUT_MS',
      'listeners.web-api.port': 'SHOAL_LISTENER_WEB_API_PORT',
    });
    expect(applyOverrides(base, { SHOAL_ADMIN: 'off' }, {}).config.admin).toBe(false);
    // shutdownDelayMs: from the file, then SHOAL_SHUTDOWN_DELAY_MS, then --shutdown-delay-ms.
    const delayed = { ...base, shutdownDelayMs: 1_000 };
    expect(applyOverrides(delayed, {}, {}).config.shutdownDelayMs).toBe(1_000);
    expect(applyOverrides(delayed, { SHOAL_SHUTDOWN_DELAY_MS: '5000' }, {}).config.shutdownDelayMs).toBe(5_000);
    const byFlag = applyOverrides(delayed, { SHOAL_SHUTDOWN_DELAY_MS: '5000' }, { shutdownDelayMs: '7000' });
    expect(byFlag.config.shutdownDelayMs).toBe(7_000);
    expect(byFlag.origins.get('shutdownDelayMs')).toBe('--shutdown-delay-ms');
    expect(envKey('web-api.v2')).toBe('WEB_API_V2');
  });
});
