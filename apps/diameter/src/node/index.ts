/**
 * A Diameter base-protocol node (RFC 6733) for one connection at a time,
 * independent of Shoal: DiameterPeer serves one SCTP association through a
 * PeerLink; its options say who the node is.
 */
export { DiameterPeer, BASE_STREAM, type PeerLink, type PeerObserver, type PeerPhase, type PeerSnapshot } from './peer';
export { DIAMETER_NODE_DEFAULTS, MIN_WATCHDOG_MS, type DiameterNodeOptions, validateDiameterNodeOptions } from './options';
export { Watchdog, WATCHDOG_JITTER_MS, type WatchdogState } from './watchdog';
export { errorAnswer, answerTo } from './answers';
