import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { OnSctpMessage } from '@shoal/transport-sctp';
import type { SctpMessageContext } from '@shoal/transport-sctp';
import { answerKvRequest } from './kv-tcp.handlers';
import { KvService } from './kv.service';
import { SCTP_LISTENERS, sctpDemoListeners } from './sctp-listeners';

/**
 * The demo over SCTP: an echo on both socket styles, and the key-value
 * service as a multi-stream request/response protocol — one JSON request per
 * message (as over TCP), answered on the stream it came on, so each stream
 * is an independent ordered pipeline and a slow request on one stream does
 * not hold up the others.
 */
@Injectable()
export class SctpHandlers {
  constructor(private readonly kv: KvService) {}

  @OnSctpMessage(SCTP_LISTENERS.echo)
  echo(data: Buffer): Buffer {
    return data;
  }

  @OnSctpMessage(SCTP_LISTENERS.echoMany)
  echoMany(data: Buffer): Buffer {
    return data;
  }

  @OnSctpMessage(SCTP_LISTENERS.kv)
  async request(data: Buffer, ctx: SctpMessageContext): Promise<void> {
    // reply() keeps the message's stream and PPID.
    ctx.reply(JSON.stringify(await answerKvRequest(this.kv, data, 'sctp')));
  }
}

/** Says once (from slot 0) why the demo runs without SCTP, when it does. */
@Injectable()
export class SctpNotice implements OnModuleInit {
  onModuleInit(): void {
    const { reason } = sctpDemoListeners();
    if (reason && process.env.SHOAL_WORKER_SLOT === '0') new Logger('demo').warn(reason);
  }
}

/** The SCTP providers to include: the handlers only where their listeners exist (a handler without its listener stops the boot). */
export function sctpProviders(): (typeof SctpHandlers | typeof SctpNotice)[] {
  return Object.keys(sctpDemoListeners().listeners).length > 0 ? [SctpHandlers] : [SctpNotice];
}
