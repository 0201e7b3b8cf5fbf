import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ERR_APP_LOAD } from '../errors';
import { type AppDefinition, appDefinitionOf, isAppDefinition, isNestModule } from './app-definition';

/**
 * Loads the application of `shoal start <app>`: a compiled JavaScript file
 * whose default export is a `defineApp()` definition or the root module; or
 * that exports the root module as `AppModule` or as its only Nest module.
 * Runs in workers (and in `--check`), never in the supervisor.
 */
export function loadApp(file: string): AppDefinition {
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
  if (isAppDefinition(exports.default)) return exports.default;
  if (isNestModule(exports.default)) return appDefinitionOf(exports.default);
  if (isNestModule(exports.AppModule)) return appDefinitionOf(exports.AppModule);
  const definitions = Object.values(exports).filter(isAppDefinition);
  if (definitions.length === 1) return definitions[0];
  const modules = Object.entries(exports).filter(([, value]) => isNestModule(value));
  if (modules.length === 1) return appDefinitionOf(modules[0][1] as never);
  const found = modules.length === 0 ? 'it exports no defineApp() definition and no class with @Module()' : `it exports several modules (${modules.map(([n]) => n).join(', ')})`;
  throw new ERR_APP_LOAD(path, `${found}; export defineApp({ module: ... }) or the root module as default, or the root module as AppModule`);
}
