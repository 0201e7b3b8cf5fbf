import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Type } from '@nestjs/common';
import { ERR_APP_LOAD } from '../errors';

/** Nest keeps a module's @Module() metadata under these keys; a class with one of them is a module. */
const MODULE_METADATA_KEYS = ['imports', 'providers', 'controllers', 'exports'];

function isNestModule(value: unknown): value is Type<unknown> {
  return typeof value === 'function' && MODULE_METADATA_KEYS.some((key) => Reflect.getMetadata(key, value) !== undefined);
}

/**
 * Loads the application of `shoal start <app>`: a compiled JavaScript file
 * whose default export, `AppModule` export, or only exported Nest module is
 * the application's root module. Runs in workers (and in `--check`), never
 * in the supervisor.
 */
export function loadAppModule(file: string): Type<unknown> {
  const path = resolve(file);
  if (!existsSync(path)) throw new ERR_APP_LOAD(path, 'no such file; give the compiled module (e.g. dist/app.module.js)');
  if (/\.(m|c)?ts$/.test(path)) {
    throw new ERR_APP_LOAD(path, 'this is TypeScript; Nest needs its decorator metadata, so compile it (tsc) and give the .js file');
  }
  let exports: Record<string, unknown>;
  try {
    exports = require(path) as Record<string, unknown>;
  } catch (error) {
    throw new ERR_APP_LOAD(path, (error as Error).message.split('\n')[0], { cause: error });
  }
  if (isNestModule(exports.default)) return exports.default;
  if (isNestModule(exports.AppModule)) return exports.AppModule;
  const modules = Object.entries(exports).filter(([, value]) => isNestModule(value));
  if (modules.length === 1) return modules[0][1] as Type<unknown>;
  const found = modules.length === 0 ? 'it exports no class with @Module()' : `it exports several modules (${modules.map(([n]) => n).join(', ')})`;
  throw new ERR_APP_LOAD(path, `${found}; export the root module as default or as AppModule`);
}
