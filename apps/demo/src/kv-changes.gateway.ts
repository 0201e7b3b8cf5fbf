import { type ArgumentsHost, BadRequestException, Catch, HttpException, UseFilters, UsePipes, ValidationPipe } from '@nestjs/common';
import { BaseWsExceptionFilter, ConnectedSocket, MessageBody, type OnGatewayDisconnect, SubscribeMessage, WebSocketGateway, type WsResponse } from '@nestjs/websockets';
import { OnBroadcast } from '@shoal/core';
import { IsString, Matches } from 'class-validator';
import { KV_CHANGES, type KvChange } from './kv.service';

/** The most prefixes one connection may subscribe to: every change is matched against each of them. */
const MAX_PREFIXES = 32;
/** ws's readyState of an open connection. */
const OPEN = 1;

/** The data of subscribe and unsubscribe, checked by the gateway's ValidationPipe. */
export class KeyPrefixDto {
  /** Keys that start with it; "" for every key. (class-validator checks the lower decorator first.) */
  @Matches(/^[A-Za-z0-9_.:-]{0,128}$/, { message: 'prefix is 0 to 128 of A-Z a-z 0-9 _ . : -' })
  @IsString({ message: 'the data must be like {"prefix": "user:"}, a key prefix ("" for every key)' })
  prefix!: string;
}

/** A client of the gateway, as far as it is used here (ws's WebSocket). */
interface Subscriber {
  readonly readyState: number;
  send(text: string): void;
}

/**
 * Sends Nest's `exception` event to the client: with WsAdapter, the event
 * BaseWsExceptionFilter emits stays in the process (ws's emit is local). An
 * HttpException (the DTO's 400 from the ValidationPipe, a handler's
 * BadRequestException) carries the body the JSON API answers with; anything
 * else gets BaseWsExceptionFilter's own answer (an unexpected error:
 * "Internal server error", and logged).
 */
@Catch()
export class SendWsExceptionFilter extends BaseWsExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    const subscriber = ws.getClient<Subscriber>();
    const client = { emit: (event: string, data: unknown) => subscriber.send(JSON.stringify({ event, data })) };
    if (exception instanceof HttpException) client.emit('exception', exception.getResponse());
    else this.handleError(client, exception, { pattern: ws.getPattern(), data: ws.getData() });
  }
}

/**
 * Key changes, pushed: a client connects to /kv/changes on the HTTP
 * listener's port, sends {"event":"subscribe","data":{"prefix":"user:"}},
 * and from then on gets {"event":"change","data":{"key","op","value"}} for
 * every change of a key under one of its prefixes, whichever transport and
 * worker made it: KvService broadcasts each change to every worker, and each
 * worker's gateway pushes it to its own clients.
 */
@WebSocketGateway({ path: '/kv/changes' })
@UseFilters(new SendWsExceptionFilter())
// Gateways do not run the app's global pipes: this one checks KeyPrefixDto as the global one checks the
// controller's SetValueDto, telling one thing wrong per field.
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }))
export class KvChangesGateway implements OnGatewayDisconnect {
  /** The prefixes of each client of this worker, in memory (why a reload closes them: the http listener in shoal.config.ts). */
  private readonly subscriptions = new Map<Subscriber, Set<string>>();

  /** Answers with the client's prefixes, and which worker serves it (as GET / tells). */
  @SubscribeMessage('subscribe')
  subscribe(@ConnectedSocket() client: Subscriber, @MessageBody() body: KeyPrefixDto): WsResponse {
    const prefixes = this.subscriptions.get(client) ?? new Set<string>();
    if (!prefixes.has(body.prefix) && prefixes.size >= MAX_PREFIXES) {
      throw new BadRequestException(`a connection subscribes to ${MAX_PREFIXES} prefixes at most; unsubscribe from one first`);
    }
    prefixes.add(body.prefix);
    this.subscriptions.set(client, prefixes);
    return { event: 'subscribed', data: { prefixes: [...prefixes], worker: process.pid } };
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@ConnectedSocket() client: Subscriber, @MessageBody() body: KeyPrefixDto): WsResponse {
    const prefixes = this.subscriptions.get(client) ?? new Set<string>();
    prefixes.delete(body.prefix);
    if (prefixes.size === 0) this.subscriptions.delete(client);
    return { event: 'unsubscribed', data: { prefixes: [...prefixes], worker: process.pid } };
  }

  handleDisconnect(client: Subscriber): void {
    this.subscriptions.delete(client);
  }

  /** Every worker receives every change; each sends it, once, to its own clients with a matching prefix. */
  @OnBroadcast(KV_CHANGES)
  push(change: KvChange): void {
    const message = JSON.stringify({ event: 'change', data: change });
    for (const [client, prefixes] of this.subscriptions) {
      if (client.readyState === OPEN && [...prefixes].some((prefix) => change.key.startsWith(prefix))) client.send(message);
    }
  }
}
