/**
 * turbo replays a package's build from its cache when the files it hashes
 * for the task (turbo.json's `inputs`) are unchanged; a file the build reads
 * that is not among them leaves a stale build behind when it changes (a test
 * fixture, a tsconfig). Every file a build reads must be an input: those tsc
 * reads to compile the package (its own files, its tsconfig and the ones it
 * extends), and a script its build command runs. Other packages' outputs are
 * covered by `dependsOn: ["^build"]`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const bin = (name: string): string => join(ROOT, 'node_modules', '.bin', name);

interface DryTask {
  taskId: string;
  directory: string;
  command: string;
  inputs: Record<string, string>;
}

/** The build tasks, with the files turbo hashes for each (relative to the package). */
function buildTasks(): DryTask[] {
  const dry = execFileSync(bin('turbo'), ['run', 'build', '--dry=json'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return (JSON.parse(dry) as { tasks: DryTask[] }).tasks;
}

/** A tsconfig and those it extends, as absolute paths. */
function tsconfigChain(file: string): string[] {
  const config = JSON.parse(readFileSync(file, 'utf8')) as { extends?: string };
  if (config.extends === undefined) return [file];
  return [file, ...tsconfigChain(resolve(dirname(file), config.extends))];
}

/** What the build of a package at `dir` reads (absolute paths): its tsc project, its files and the scripts it runs. */
function filesRead(dir: string, command: string): string[] {
  const read: string[] = [];
  for (const [, project] of command.matchAll(/\btsc -p (\S+)/g)) {
    const listed = execFileSync(bin('tsc'), ['-p', project, '--listFilesOnly'], { cwd: dir, encoding: 'utf8' });
    read.push(...tsconfigChain(join(dir, project)), ...listed.split('\n').filter((line) => line.trim() !== ''));
  }
  for (const [, script] of command.matchAll(/\bnode (?!-e)(\S+\.[cm]?js)\b/g)) read.push(join(dir, script));
  return read;
}

test("every file a package's build reads is an input of turbo's build task", () => {
  const tasks = buildTasks().filter((task) => task.command !== '<NONEXISTENT>');
  expect(tasks.map((task) => task.taskId)).toContain('@shoal/tests#build');
  const packageDirs = tasks.map((task) => join(ROOT, task.directory));
  const missing: string[] = [];
  for (const task of tasks) {
    const dir = join(ROOT, task.directory);
    const own = (file: string): boolean => {
      if (file.split(sep).includes('node_modules')) return false;
      // Another package's files (its dist, through the workspace link) are its own build's outputs.
      return !packageDirs.some((other) => other !== dir && !relative(other, file).startsWith('..'));
    };
    for (const file of filesRead(dir, task.command).filter(own)) {
      const input = relative(dir, file);
      if (!(input in task.inputs)) missing.push(`${task.taskId}: ${input}`);
    }
  }
  expect(missing).toEqual([]);
});
