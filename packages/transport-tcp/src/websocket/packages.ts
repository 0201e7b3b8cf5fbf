/**
 * A package the app may have installed: from here (an optional peer
 * dependency of @shoal/transport-tcp), else from the app's working directory;
 * undefined when neither has it.
 */
export function loadOptional(name: string): Record<string, unknown> | undefined {
  for (const paths of [undefined, [process.cwd()]]) {
    try {
      return require(paths === undefined ? name : require.resolve(name, { paths })) as Record<string, unknown>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !(error as Error).message.includes(name)) throw error;
    }
  }
  return undefined;
}
