/**
 * The new supervisor's side of an upgrade: instead of binding, it takes the
 * old supervisor's sockets (every slot's, the admin endpoint's, the control
 * socket's) and counters, starts its slots on them, and says when every
 * slot has a ready worker. It accepts on the admin endpoint and the control
 * socket once the old one stopped; a failure is told to the old supervisor,
 * which goes on serving.
 */
import { ERR_UPGRADE_PREDECESSOR_LOST } from '../errors';
import { IpcChannel, serializeError } from '../ipc';
import type { CarriedMetricsSnapshot } from '../metrics';
import type { SlotSocket, Supervisor } from '../supervisor';
import { closeHeld } from '../transport';
import type { HeldHandle } from '../transport';
import type { EndpointName, NoRequests, PredecessorMessage, PredecessorRequests, SuccessorMessage } from './protocol';
import { UPGRADE_FD_LINK_ENV, UPGRADE_FROM_ENV } from './protocol';

type SuccessorChannel = IpcChannel<NoRequests, PredecessorRequests, PredecessorMessage, SuccessorMessage>;

/** The pid of the supervisor this process takes over from, when it was started by an upgrade. */
export function upgradingFrom(): number | undefined {
  const pid = Number(process.env[UPGRADE_FROM_ENV]);
  return Number.isInteger(pid) && pid > 0 && typeof process.send === 'function' && process.connected ? pid : undefined;
}

/**
 * Tells the old supervisor why this new one could not start (a bad
 * configuration, an app that throws), for `shoal upgrade` to print; then
 * lets go of the channel so that this process can exit.
 */
export function reportUpgradeFailure(error: unknown): void {
  if (upgradingFrom() === undefined) return;
  const message: SuccessorMessage = { type: 'failed', error: serializeError(error) };
  process.send!(message, undefined, {}, () => process.disconnect?.());
}

/** Starts `supervisor` on the old supervisor's sockets; resolves once it serves (as start() does). */
export async function takeOver(supervisor: Supervisor): Promise<void> {
  const from = upgradingFrom()!;
  const channel: SuccessorChannel = new IpcChannel(process);
  const fdPassing = supervisor.options.fdPassing;
  const linkFd = process.env[UPGRADE_FD_LINK_ENV];
  if (fdPassing && linkFd !== undefined) channel.attachFdLink(fdPassing.open(Number(linkFd)), fdPassing);

  const sockets: SlotSocket[] = [];
  const endpoints: { endpoint: EndpointName; handle: HeldHandle }[] = [];
  let gone = false;
  let takeOverMessage: ((message: Extract<PredecessorMessage, { type: 'take-over' }>) => void) | undefined;
  let serve: ((metrics: CarriedMetricsSnapshot | undefined) => void) | undefined;
  let lost: ((error: Error) => void) | undefined;
  const state = new Promise<Extract<PredecessorMessage, { type: 'take-over' }>>((resolve, reject) => {
    takeOverMessage = resolve;
    lost = reject;
  });
  const served = new Promise<CarriedMetricsSnapshot | undefined>((resolve) => (serve = resolve));

  channel.onMessage((message, handle) => {
    switch (message.type) {
      case 'held-listener':
        if (handle) sockets.push({ slot: message.slot, name: message.name, held: { handle, port: message.port }, inherited: message.inherited, fromSlot: message.fromSlot });
        break;
      case 'endpoint':
        if (handle) endpoints.push({ endpoint: message.endpoint, handle });
        break;
      case 'take-over':
        takeOverMessage?.(message);
        break;
      case 'serve':
        serve?.(message.metrics);
        break;
      case 'final-metrics':
        supervisor.inheritMetrics(message.metrics);
        break;
      case 'listener-released':
        supervisor.predecessorReleased(message.slot, message.name, message.state);
        break;
      case 'predecessor-gone':
        supervisor.predecessorGone(message.slot);
        break;
    }
  });
  // The old supervisor went away (done, or died): every exclusive listener is this one's; serve at once.
  process.once('disconnect', () => {
    gone = true;
    lost?.(new ERR_UPGRADE_PREDECESSOR_LOST(from));
    serve?.(undefined);
    supervisor.predecessorGone();
  });
  channel.onRequest('hand-off', ({ slot, ...connection }, handle) => supervisor.adoptHandedOff(slot, connection, handle));
  supervisor.on('worker-ready', (slot, workerPid) => void channel.post({ type: 'slot-ready', slot, workerPid }).catch(() => undefined));

  try {
    await channel.post({ type: 'hello', pid: process.pid });
    const { ports, slots, metrics } = await state;
    supervisor.adoptPredecessor({ pid: from, sockets, ports, slots, metrics });
    for (const { endpoint, handle } of endpoints) {
      if (!supervisor.adoptListeningSocket(endpoint, handle)) closeHeld(handle);
    }
    await supervisor.start({
      beforeUp: async () => {
        if (!gone) await channel.post({ type: 'ready' }).catch(() => undefined);
        const carried = await served;
        if (carried) supervisor.inheritMetrics(carried);
        await supervisor.acceptAdopted();
      },
    });
    supervisor.logger.info({ event: 'upgrade.took-over', from, pid: process.pid }, `took over from supervisor ${from}`);
  } catch (error) {
    if (!gone) await channel.post({ type: 'failed', error: serializeError(error) }).catch(() => undefined);
    throw error;
  }
}
