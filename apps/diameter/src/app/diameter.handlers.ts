// The Diameter node on Shoal's SCTP listener: one DiameterPeer per
// association, kept in the association's ctx.state, which Shoal carries (as
// JSON: the peer's toJSON()) to the next worker when it hands the association
// over on a rolling reload.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  OnAssociationDown, OnAssociationDrain, OnAssociationUp, OnSctpMessage,
  type SctpAssociationContext, type SctpAssociationDown, type SctpMessageContext,
} from '@shoal/transport-sctp';
import { DiameterPeer, type DiameterNodeOptions, type PeerLink, type PeerSnapshot } from '../node';
import { DiameterObserver } from './diameter-observer';
import { DIAMETER_LISTENER } from './settings';

/** The Nest token of the node's options (DiameterNodeOptions). */
export const DIAMETER_NODE = Symbol('DIAMETER_NODE');

/** The key of the peer in ctx.state: a DiameterPeer in this worker, its snapshot after a hand-off. */
const PEER = 'diameter.peer';

function linkOf(ctx: SctpAssociationContext): PeerLink {
  return {
    send: (data, stream, ppid) => ctx.send(data, { stream, ppid }),
    get outboundStreams() {
      return ctx.outboundStreams;
    },
    close: () => ctx.close(),
  };
}

function isSnapshot(value: unknown): value is PeerSnapshot {
  const s = value as PeerSnapshot | undefined;
  return typeof s === 'object' && s !== null && ['wait-cer', 'open', 'closing'].includes(s.phase) && Number.isInteger(s.nextHopByHop) && Number.isInteger(s.nextEndToEnd);
}

@Injectable()
export class DiameterHandlers implements OnApplicationShutdown {
  private readonly peers = new Set<DiameterPeer>();

  constructor(
    @Inject(DIAMETER_NODE) private readonly options: DiameterNodeOptions,
    private readonly observer: DiameterObserver,
  ) {}

  @OnAssociationUp(DIAMETER_LISTENER)
  up(ctx: SctpAssociationContext): void {
    this.peerOf(ctx);
  }

  @OnSctpMessage(DIAMETER_LISTENER)
  message(data: Buffer, ctx: SctpMessageContext): void {
    this.peerOf(ctx).receive(data, ctx.stream);
  }

  /** The worker stops (not a reload hand-off): DPR, and the association closes after the DPA. */
  @OnAssociationDrain(DIAMETER_LISTENER)
  drain(ctx: SctpAssociationContext): Promise<void> {
    return this.peerOf(ctx).disconnect();
  }

  @OnAssociationDown(DIAMETER_LISTENER)
  down(ctx: SctpAssociationContext, why: SctpAssociationDown): void {
    const peer = ctx.state.get(PEER);
    if (peer instanceof DiameterPeer) {
      peer.stop();
      if (this.peers.delete(peer)) this.observer.peers.dec();
    }
    const identity = peer instanceof DiameterPeer ? peer.identity : {};
    this.observer.event('diameter.association-down', { assocId: ctx.assocId, reason: why.reason, error: why.error, peerHost: identity.host });
  }

  /** Timers of peers this worker no longer serves (handed over) stop with it. */
  onApplicationShutdown(): void {
    for (const peer of this.peers) peer.stop();
    this.peers.clear();
  }

  private peerOf(ctx: SctpAssociationContext): DiameterPeer {
    const known = ctx.state.get(PEER);
    if (known instanceof DiameterPeer) return known;
    const link = linkOf(ctx);
    const carried = isSnapshot(known);
    let peer: DiameterPeer;
    if (carried) peer = new DiameterPeer(this.options, link, this.observer, known);
    else if (ctx.resumed) peer = DiameterPeer.resumedWithoutState(this.options, link, this.observer);
    else peer = new DiameterPeer(this.options, link, this.observer);
    ctx.state.set(PEER, peer);
    this.peers.add(peer);
    this.observer.peers.inc();
    this.observer.event('diameter.association-up', {
      assocId: ctx.assocId,
      resumed: ctx.resumed,
      stateCarried: carried,
      phase: peer.state,
      peerHost: peer.identity.host,
      remoteAddresses: ctx.remoteAddresses,
      outboundStreams: ctx.outboundStreams,
    });
    return peer;
  }
}
