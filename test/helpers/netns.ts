/**
 * A network namespace of the test's own, so that its sysctls (tcp_migrate_req)
 * and its loopback traffic belong to the test alone. Needs root; without it the
 * test fails with a clear message (it must not skip under CI).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

let counter = 0;

export class NetworkNamespace {
  /** What the test started inside; destroy() kills what is left, so nothing outlives the test. */
  private readonly children = new Set<ChildProcess>();

  private constructor(readonly name: string) {}

  static create(sysctls: Record<string, string | number> = {}): NetworkNamespace {
    if (process.getuid?.() !== 0) {
      throw new Error('this test creates a network namespace (ip netns add) and must run as root');
    }
    const name = `shoal-test-${process.pid}-${++counter}`;
    execFileSync('ip', ['netns', 'add', name]);
    const ns = new NetworkNamespace(name);
    try {
      execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      for (const [key, value] of Object.entries(sysctls)) ns.run('sysctl', ['-q', '-w', `${key}=${value}`]);
    } catch (error) {
      ns.destroy();
      throw error;
    }
    return ns;
  }

  /** The command prefix that runs a program inside the namespace (ip execs it in place: same pid). */
  get prefix(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  run(command: string, args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.name, command, ...args], { encoding: 'utf8' });
  }

  /**
   * Starts a load client inside the namespace, at the lowest CPU priority
   * (nice 19; nice and ip exec in place: the pid is the client's). In
   * production the load comes from other machines; here it shares the cores
   * with the service, and at equal priority it competes with the worker boots
   * that a reload test is about. It still takes every idle cycle.
   */
  spawn(command: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, 'nice', '-n', '19', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  destroy(): void {
    for (const child of this.children) child.kill('SIGKILL');
    try {
      execFileSync('ip', ['netns', 'del', this.name]);
    } catch {}
  }
}
