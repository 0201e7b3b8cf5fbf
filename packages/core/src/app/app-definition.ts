import type { INestApplication, INestApplicationContext, NestApplicationOptions, Type } from '@nestjs/common';
import { ERR_APP_DEFINITION_INVALID } from '../errors';

/**
 * An application as `shoal start` runs it: its root module, and what a Nest
 * service's `main.ts` did around `NestFactory.create()`, minus the
 * `listen()` (Shoal opens the configured listeners).
 */
export interface AppDefinition {
  /** The root module. */
  readonly module: Type<unknown>;
  /**
   * What main.ts gave `NestFactory.create(AppModule, adapter, options)`:
   * `rawBody`, `bodyParser`, `cors`, `bufferLogs`... Used when a listener
   * serves the app's controllers on a Nest platform. `logger` and
   * `abortOnError` are Shoal's (its logs, and a boot failure reported to the
   * supervisor).
   */
  readonly options?: Omit<NestApplicationOptions, 'logger' | 'abortOnError' | 'httpsOptions'>;
  /**
   * What main.ts did between create() and listen(): `app.useGlobalPipes()`,
   * `setGlobalPrefix()`, `enableCors()`, `enableVersioning()`, `use()`...
   * Runs in every worker before `init()`. `app` is an INestApplication when a
   * listener serves the app on a Nest platform, else an application context.
   * `app.listen()` throws here; `enableShutdownHooks()` is not needed (Shoal
   * runs the shutdown hooks when a worker has drained).
   */
  readonly configure?: (app: INestApplication & INestApplicationContext) => void | Promise<void>;
}

const DEFINITION = Symbol.for('shoal.app-definition');

/** Nest keeps a module's @Module() metadata under these keys; a class with one of them is a module. */
const MODULE_METADATA_KEYS = ['imports', 'providers', 'controllers', 'exports'];

export function isNestModule(value: unknown): value is Type<unknown> {
  return typeof value === 'function' && MODULE_METADATA_KEYS.some((key) => Reflect.getMetadata(key, value) !== undefined);
}

/**
 * Declares an application for `shoal start` (the default export of the file
 * the config's `app` names):
 *
 *   export default defineApp({
 *     module: AppModule,
 *     options: { rawBody: true },
 *     configure: (app) => app.useGlobalPipes(new ValidationPipe()).setGlobalPrefix('api'),
 *   });
 */
export function defineApp(definition: AppDefinition): AppDefinition {
  const problems: string[] = [];
  const d = definition as unknown as Record<string, unknown> | null;
  if (d === null || typeof d !== 'object') problems.push(`the definition must be an object, got ${d === null ? 'null' : typeof d}`);
  else {
    if (!isNestModule(d.module)) problems.push('module: a class with @Module() (the root module)');
    if (d.options !== undefined && (d.options === null || typeof d.options !== 'object')) problems.push('options: an object of NestFactory.create options');
    if (d.configure !== undefined && typeof d.configure !== 'function') problems.push('configure: a function (app) => void');
    for (const key of Object.keys(d)) if (!['module', 'options', 'configure'].includes(key)) problems.push(`${key}: not an option (module, options, configure)`);
  }
  if (problems.length > 0) throw new ERR_APP_DEFINITION_INVALID(problems);
  return Object.freeze({ ...definition, [DEFINITION]: true });
}

/** Whether `value` came from defineApp(). */
export function isAppDefinition(value: unknown): value is AppDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEFINITION] === true;
}

/** A root module or an app definition, as an app definition. */
export function appDefinitionOf(app: Type<unknown> | AppDefinition): AppDefinition {
  return isAppDefinition(app) ? app : defineApp({ module: app as Type<unknown> });
}
