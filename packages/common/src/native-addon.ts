/**
 * A native addon loaded on first use, shared by the packages that ship one
 * (@shoal/sctp, @shoal/systemd, @shoal/reuseport): `load` finds it (their
 * node-gyp-build call, so that this package keeps no runtime dependency), and
 * a failed load becomes the package's own error, whose message says what to do.
 */
export function lazyAddon<T>(load: () => T, loadError: (cause: Error) => Error): () => T {
  let binding: T | undefined;
  return () => {
    if (binding === undefined) {
      try {
        binding = load();
      } catch (error) {
        throw loadError(error as Error);
      }
    }
    return binding;
  };
}
