/**
 * Takes the traffic back where the kernel allows it: a classic-BPF program on
 * each TCP and UDP listener's reuseport group (SO_ATTACH_REUSEPORT_CBPF, from
 * @shoal/reuseport) that selects only among the group's first members, the
 * sockets this supervisor holds, which joined before anyone else could (the
 * start refuses a port that others listen on). A late joiner then gets
 * nothing, even before anyone reads the log. The kernel keeps the program
 * with the group, whichever member it was attached through.
 *
 * The group lists its sockets in the order they joined, and one that leaves
 * gives its place to the last (reuseport_detach_sock). So the count follows
 * the sockets the supervisor holds. A change while a stranger is there (a
 * scale-up adds a socket behind the stranger's; closing one may give its
 * place to the stranger's) leaves no count that selects ours only: then the
 * program comes off, and the kernel's own hash shares the traffic among
 * everyone again, said in the log.
 */
import type { Gauge } from 'prom-client';
import { resolvePackage } from '../config';
import type { Logger } from '../logger';
import type { ListenerSpec } from '../transport';

export const REUSEPORT_PACKAGE = '@shoal/reuseport';

/** What core uses of @shoal/reuseport. */
export interface SelectorBackend {
  attachSelector(fd: number, count: number): void;
  detachSelector(fd: number): void;
}

export interface ReuseportSelectorOptions {
  readonly enabled: boolean;
  readonly listeners: readonly ListenerSpec[];
  readonly logger: Logger;
  /** shoal_reuseport_selector{listener}: 1 while the program keeps the listener's traffic on its own sockets. */
  readonly gauge: Gauge<'listener'>;
  /** Where @shoal/reuseport is looked for (the app's directories, then core's own). */
  readonly packageDirs: readonly string[];
  /** Loads the backend; by default @shoal/reuseport, null when it is not installed. */
  readonly load?: (dirs: readonly string[]) => SelectorBackend | null;
}

function loadBackend(dirs: readonly string[]): SelectorBackend | null {
  const file = resolvePackage(REUSEPORT_PACKAGE, dirs);
  return file === null ? null : (require(file) as SelectorBackend);
}

/** Attached: the count of sockets the program selects among; off: why not. */
type State = { attached: number } | { off: string };

export class ReuseportSelector {
  private backend: SelectorBackend | null | undefined;
  private readonly states = new Map<string, State>();
  private readonly eligible: readonly ListenerSpec[];

  constructor(private readonly options: ReuseportSelectorOptions) {
    // SCTP groups are left to the kernel; a listener that shares on purpose wants the others to get their share.
    this.eligible = options.listeners.filter((spec) => ['tcp', 'udp'].includes(spec.protocol ?? spec.transport) && spec.shareWithOthers !== true);
    for (const spec of this.eligible) options.gauge.set({ listener: spec.name }, 0);
  }

  /**
   * Loads @shoal/reuseport now, when enabled and some listener can use it:
   * a native module's loading costs tens of milliseconds of CPU, better spent
   * before the workers serve than at the first apply() (in an upgrade, the
   * moment the old workers hand over).
   */
  prepare(): void {
    if (this.options.enabled && this.eligible.length > 0) this.loadOnce();
  }

  /**
   * Brings each eligible listener's program in line with the sockets held
   * now (`socketsOf`: their descriptors; empty: none held yet). `hasForeign`:
   * whether the last look found another process's socket on the listener's port.
   */
  apply(socketsOf: (listener: string) => readonly number[], hasForeign: (listener: string) => boolean): void {
    if (!this.options.enabled || this.eligible.length === 0) return;
    const backend = this.loadOnce();
    if (backend === null) return;
    for (const spec of this.eligible) {
      const fds = socketsOf(spec.name);
      const state = this.states.get(spec.name);
      if (fds.length === 0 || (state !== undefined && 'attached' in state && state.attached === fds.length)) continue;
      if (state !== undefined && 'off' in state) continue; // Off stays off until the next start: the order is unknown from then on.
      // A change while a stranger is there: an added socket sits behind the stranger's, and a closed one may
      // hand its place to the stranger's (the last moves into the hole). Either way the first N are not ours.
      if (state !== undefined && 'attached' in state && hasForeign(spec.name)) {
        this.turnOff(backend, spec.name, fds[0], `the service's sockets changed (${state.attached} -> ${fds.length}) while another process listens on the port, so its first ${fds.length} sockets may include that process's`);
        continue;
      }
      try {
        backend.attachSelector(fds[0], fds.length);
      } catch (error) {
        this.states.set(spec.name, { off: (error as Error).message });
        this.options.logger.warn(
          { event: 'ownership.selector-unavailable', listener: spec.name, err: error },
          `listener ${spec.name}: the reuseport selector could not be attached, so a late joiner on its port would get a share of its traffic (it is still reported): ${(error as Error).message}`,
        );
        continue;
      }
      this.states.set(spec.name, { attached: fds.length });
      this.options.gauge.set({ listener: spec.name }, 1);
      this.options.logger.info(
        { event: 'ownership.selector', listener: spec.name, sockets: fds.length },
        `listener ${spec.name}: the kernel selects only among this service's ${fds.length} socket(s) of the port (reuseport BPF)`,
      );
    }
  }

  private turnOff(backend: SelectorBackend, listener: string, fd: number, reason: string): void {
    try {
      backend.detachSelector(fd);
    } catch {
      // Nothing attached any more (or a kernel before 5.3, which cannot detach): the count below is what matters.
    }
    this.states.set(listener, { off: reason });
    this.options.gauge.set({ listener }, 0);
    this.options.logger.warn(
      { event: 'ownership.selector-off', listener, reason },
      `listener ${listener}: reuseport selector off, the kernel shares the port's traffic among all its sockets again: ${reason}; stop the other process and restart the service to turn it back on`,
    );
  }

  private loadOnce(): SelectorBackend | null {
    if (this.backend !== undefined) return this.backend;
    try {
      this.backend = (this.options.load ?? loadBackend)(this.options.packageDirs);
    } catch (error) {
      this.backend = null;
      this.options.logger.warn({ event: 'ownership.selector-unavailable', err: error }, `${REUSEPORT_PACKAGE} failed to load: a late joiner on a port would get a share of its traffic (it is still reported)`);
      return null;
    }
    if (this.backend === null) {
      this.options.logger.info(
        { event: 'ownership.selector-unavailable', package: REUSEPORT_PACKAGE },
        `${REUSEPORT_PACKAGE} is not installed (its native build may have failed): a late joiner on a port would get a share of its traffic (it is still reported)`,
      );
    }
    return this.backend;
  }
}
