// Handler decorators for SCTP listeners (shorthands of @OnEvent of @shoal/core).
import { OnEvent } from '@shoal/core';

/** The events an SCTP listener emits to handlers. */
export const SCTP_EVENTS = Object.freeze(['message', 'association-up', 'association-down', 'association-drain', 'peer-address-change', 'notification'] as const);

/** A message. `(data: Buffer, ctx: SctpMessageContext) => reply | void | Promise<reply | void>`; a reply goes back on the same stream with the same PPID. */
export const OnSctpMessage = (listener: string): MethodDecorator => OnEvent(listener, 'message');

/** An association came up (or was taken over from the previous worker: ctx.resumed). `(ctx: SctpAssociationContext) => void` */
export const OnAssociationUp = (listener: string): MethodDecorator => OnEvent(listener, 'association-up');

/** An association ended. `(ctx: SctpAssociationContext, down: SctpAssociationDown) => void` */
export const OnAssociationDown = (listener: string): MethodDecorator => OnEvent(listener, 'association-down');

/**
 * The worker stops and this association will not go on in another worker
 * (one-to-one listeners: a stop, or a reload without hand-off): the moment to
 * say goodbye in the application's protocol (a Diameter DPR, say) before the
 * listener's graceful SHUTDOWN. Messages keep arriving meanwhile. The
 * association is shut down once the handler's promise settles, or at the
 * drain deadline. `(ctx: SctpAssociationContext) => void | Promise<void>`
 */
export const OnAssociationDrain = (listener: string): MethodDecorator => OnEvent(listener, 'association-drain');

/** A peer path changed state (multi-homing). `(ctx: SctpAssociationContext, change: SctpPeerAddressChange) => void` */
export const OnPeerAddressChange = (listener: string): MethodDecorator => OnEvent(listener, 'peer-address-change');

/** Every SCTP notification, raw. `(notification: SctpNotification, ctx: SctpAssociationContext | undefined) => void` */
export const OnSctpNotification = (listener: string): MethodDecorator => OnEvent(listener, 'notification');
