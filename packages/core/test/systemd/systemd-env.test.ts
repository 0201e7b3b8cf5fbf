import { readSystemdEnvironment, workerEnvironment } from '../../src/systemd';

describe('readSystemdEnvironment', () => {
  const pid = 4242;

  it('takes the passed descriptors only when LISTEN_PID is this process, named by LISTEN_FDNAMES', () => {
    const env = { LISTEN_PID: String(pid), LISTEN_FDS: '2', LISTEN_FDNAMES: 'http:udp' };
    expect(readSystemdEnvironment(env, pid).passed).toEqual([{ fd: 3, name: 'http' }, { fd: 4, name: 'udp' }]);
    expect(readSystemdEnvironment({ ...env, LISTEN_PID: '1' }, pid).passed).toEqual([]);
    expect(readSystemdEnvironment({ LISTEN_PID: String(pid), LISTEN_FDS: '1' }, pid).passed).toEqual([{ fd: 3, name: 'unknown' }]);
  });

  it('refuses a LISTEN_FDS that is no count and names that do not match it', () => {
    expect(() => readSystemdEnvironment({ LISTEN_PID: String(pid), LISTEN_FDS: 'two' }, pid)).toThrow(/LISTEN_FDS must be the number of descriptors passed/);
    expect(() => readSystemdEnvironment({ LISTEN_PID: String(pid), LISTEN_FDS: '2', LISTEN_FDNAMES: 'http' }, pid)).toThrow(
      /LISTEN_FDNAMES must be 2 names separated by ':'/,
    );
  });

  it('pings the watchdog when WATCHDOG_PID is unset, ours, or the supervisor this one upgrades; not for another process', () => {
    expect(readSystemdEnvironment({ WATCHDOG_USEC: '3000000' }, pid).watchdogUsec).toBe(3_000_000);
    expect(readSystemdEnvironment({ WATCHDOG_USEC: '3000000', WATCHDOG_PID: String(pid) }, pid).watchdogUsec).toBe(3_000_000);
    expect(readSystemdEnvironment({ WATCHDOG_USEC: '3000000', WATCHDOG_PID: '17' }, pid).watchdogUsec).toBeNull();
    const upgrade = readSystemdEnvironment({ WATCHDOG_USEC: '3000000', WATCHDOG_PID: '17', SHOAL_UPGRADE_FROM: '17' }, pid);
    expect(upgrade).toMatchObject({ watchdogUsec: 3_000_000, upgradeFrom: 17 });
  });

  it('keeps systemd variables from workers, and everything else', () => {
    const env = { NOTIFY_SOCKET: '@x', WATCHDOG_USEC: '1', WATCHDOG_PID: '1', LISTEN_PID: '1', LISTEN_FDS: '1', LISTEN_FDNAMES: 'a', PATH: '/bin', SHOAL_UPGRADE_FROM: '5' };
    expect(workerEnvironment(env)).toEqual({ PATH: '/bin', SHOAL_UPGRADE_FROM: '5' });
  });
});
