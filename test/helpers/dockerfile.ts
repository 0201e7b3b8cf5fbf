/**
 * Reads what a Dockerfile's final stage runs (ENTRYPOINT, CMD, ENV, USER,
 * WORKDIR, EXPOSE, HEALTHCHECK), so that a test runs the image's command as
 * a process and cannot drift from the file. Only the forms deploy/Dockerfile
 * uses are understood (exec form as JSON, ENV key=value); anything else is
 * an error rather than a guess.
 */
import { readFileSync } from 'node:fs';

export interface ImageRuntime {
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  user: string | null;
  workdir: string | null;
  expose: { port: number; protocol: string }[];
  healthcheck: { options: Record<string, string>; cmd: string[] } | null;
}

/** Instructions as [keyword, arguments], continuation lines joined, comments left out. */
function instructions(text: string): [string, string][] {
  const lines = text.split('\n').filter((line) => !/^\s*#/.test(line));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const match = /^(\w+)\s+(.*)$/.exec(line);
      if (!match) throw new Error(`Dockerfile line not understood: ${line}`);
      return [match[1].toUpperCase(), match[2].trim()];
    });
}

function execForm(text: string, what: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((part) => typeof part === 'string')) throw new Error(`${what} must be in exec form (a JSON array of strings), got ${text}`);
  return value;
}

function envPairs(text: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const [, key, quoted, plain] of text.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g)) pairs[key] = quoted !== undefined ? JSON.parse(`"${quoted}"`) : plain;
  return pairs;
}

export function readDockerfile(path: string): ImageRuntime {
  const all = instructions(readFileSync(path, 'utf8'));
  const lastFrom = all.map(([keyword]) => keyword).lastIndexOf('FROM');
  const image: ImageRuntime = { entrypoint: [], cmd: [], env: {}, user: null, workdir: null, expose: [], healthcheck: null };
  for (const [keyword, args] of all.slice(lastFrom + 1)) {
    if (keyword === 'ENTRYPOINT') image.entrypoint = execForm(args, 'ENTRYPOINT');
    else if (keyword === 'CMD') image.cmd = execForm(args, 'CMD');
    else if (keyword === 'ENV') Object.assign(image.env, envPairs(args));
    else if (keyword === 'USER') image.user = args;
    else if (keyword === 'WORKDIR') image.workdir = args;
    else if (keyword === 'EXPOSE') {
      for (const port of args.split(/\s+/)) {
        const [number, protocol = 'tcp'] = port.split('/');
        image.expose.push({ port: Number(number), protocol });
      }
    } else if (keyword === 'HEALTHCHECK') {
      const match = /^((?:--\S+\s+)*)CMD\s+(.*)$/.exec(args);
      if (!match) throw new Error(`HEALTHCHECK not understood: ${args}`);
      const options = Object.fromEntries(match[1].trim().split(/\s+/).filter(Boolean).map((option) => option.replace(/^--/, '').split('=') as [string, string]));
      image.healthcheck = { options, cmd: execForm(match[2], 'HEALTHCHECK CMD') };
    }
  }
  return image;
}
