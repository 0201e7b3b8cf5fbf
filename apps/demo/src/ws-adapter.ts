import { BadRequestException } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { type Observable, of } from 'rxjs';

/**
 * Nest's WsAdapter, except that a message no gateway handler takes (not
 * JSON, no event, an event the gateway does not know) is answered with an
 * `exception` message, the same 400 body the JSON API answers, instead of
 * being dropped without a word. The connection stays open.
 */
export class WsAdapterAnsweringUnknownEvents extends WsAdapter {
  override bindMessageHandler(buffer: { data: unknown }, handlersMap: Map<string, unknown>, transform: (data: unknown) => Observable<unknown>): Observable<unknown> {
    const event = this.eventOf(buffer.data);
    if (event !== undefined && handlersMap.has(event)) return super.bindMessageHandler(buffer, handlersMap as never, transform);
    const events = [...handlersMap.keys()].join(', ');
    const reason = event === undefined ? `a message is JSON like {"event": ..., "data": ...}; the events are ${events}` : `unknown event ${JSON.stringify(event)}; the events are ${events}`;
    return of({ event: 'exception', data: new BadRequestException(reason).getResponse() });
  }

  /** The message's event, read with the adapter's parser; undefined when there is none to read. */
  private eventOf(data: unknown): string | undefined {
    try {
      const event = (this.messageParser(data as Buffer) as { event?: unknown } | undefined)?.event;
      return typeof event === 'string' ? event : undefined;
    } catch {
      return undefined;
    }
  }
}
