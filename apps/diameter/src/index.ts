/**
 * @shoal/diameter-example: a Diameter base-protocol node (RFC 6733) over SCTP
 * on Shoal. Rooms: codec/ (messages and AVPs), node/ (one peer connection,
 * independent of Shoal), app/ (the Nest module on Shoal's SCTP listener).
 */
export * from './codec';
export * from './node';
export * from './app';
export * from './errors';
