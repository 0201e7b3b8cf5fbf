/**
 * Log lines that people and scripts wait on carry a stable `event` field
 * (docs/cli.md, Logs). The table there and the source must name the same
 * events, each with the role that logs it; and every event a test or a
 * benchmark waits on must be one of them (or a fixture's own).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const PACKAGES = join(ROOT, 'packages');
/** Packages whose processes log (core's rooms, @shoal/redis in the supervisor and workers, @shoal/transport-tcp's listeners in workers). */
const SOURCES = ['core', 'redis', 'transport-tcp'].map((name) => join(PACKAGES, name, 'src'));
const NAME = /^[a-z]+\.[a-z]+(-[a-z]+)*$/;

function files(dir: string, extension: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && extension.test(entry.name) && !entry.parentPath.includes('node_modules') && !/\/dist(\/|$)/.test(entry.parentPath))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Events the source logs, with the files that log them. */
function loggedEvents(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const src of SOURCES) {
    for (const file of files(src, /\.ts$/)) {
      for (const [, event] of readFileSync(file, 'utf8').matchAll(/\bevent: '([a-z]+\.[a-z.-]+)'/g)) {
        found.set(event, [...(found.get(event) ?? []), relative(PACKAGES, file).replace(/^core\/src\//, '')]);
      }
    }
  }
  return found;
}

/** The rows of the events table in docs/cli.md: event → roles. */
function documentedEvents(): Map<string, string[]> {
  const docs = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
  const section = docs.slice(docs.indexOf('### Events'));
  const rows = new Map<string, string[]>();
  for (const [, event, roles] of section.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)) rows.set(event, roles.split(',').map((r) => r.trim()));
  return rows;
}

/** Which role's logger a source file writes with. */
function roleOf(file: string): string[] {
  if (file.startsWith('worker/') || file === 'redis/src/worker-services.ts' || file.startsWith('transport-tcp/')) return ['worker'];
  if (file === 'run.ts') return ['supervisor', 'worker'];
  return ['supervisor'];
}

describe('log events', () => {
  const logged = loggedEvents();
  const documented = documentedEvents();

  it('are named <subject>.<what>', () => {
    expect(logged.size).toBeGreaterThan(30);
    for (const event of [...logged.keys(), ...documented.keys()]) expect(event).toMatch(NAME);
  });

  it('are the same in the source and in the table of docs/cli.md', () => {
    expect([...documented.keys()].sort()).toEqual([...logged.keys()].sort());
  });

  it('are documented with the role whose logger writes them', () => {
    for (const [event, where] of logged) {
      const roles = documented.get(event) ?? [];
      for (const file of where) expect({ event, file, role: roles.some((r) => roleOf(file).includes(r)) }).toEqual({ event, file, role: true });
    }
  });

  it('that tests and benchmarks wait on exist (fixtures log events of their own, fixture.*)', () => {
    const waiters = [...files(join(ROOT, 'test'), /\.(ts|js)$/), ...files(join(ROOT, 'bench'), /\.(js|mjs)$/)];
    const used = new Set<string>();
    for (const file of waiters) {
      for (const [, event] of readFileSync(file, 'utf8').matchAll(/\bevent === '([^']+)'/g)) used.add(event);
    }
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((event) => !documented.has(event) && !event.startsWith('fixture.'))).toEqual([]);
  });
});
