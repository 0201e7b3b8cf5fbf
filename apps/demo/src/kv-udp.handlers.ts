import { Injectable } from '@nestjs/common';
import { OnDatagram } from '@shoal/core';
import { KvService } from './kv.service';

/**
 * UDP: one text command per datagram, one answer datagram.
 *   GET <key>            -> OK <json value> | NOT_FOUND
 *   SET <key> <json>     -> OK             (a value that is not JSON is stored as text)
 *   INCR <key> [by]      -> OK <number>
 *   DEL <key>            -> OK 1 | OK 0
 * Anything wrong           -> ERR <message>
 */
@Injectable()
export class KvUdpHandlers {
  constructor(private readonly kv: KvService) {}

  @OnDatagram('kv-udp')
  async command(payload: Buffer): Promise<string> {
    const text = payload.toString('utf8').trim();
    const [verb = '', key = '', ...rest] = text.split(' ');
    const argument = rest.join(' ');
    try {
      switch (verb.toUpperCase()) {
        case 'GET': {
          const value = await this.kv.get(key, 'udp');
          return value === undefined ? 'NOT_FOUND' : `OK ${JSON.stringify(value)}`;
        }
        case 'SET':
          await this.kv.set(key, parseValue(argument), undefined, 'udp');
          return 'OK';
        case 'INCR':
          return `OK ${await this.kv.increment(key, argument === '' ? 1 : Number(argument), 'udp')}`;
        case 'DEL':
          return `OK ${(await this.kv.delete(key, 'udp')) ? 1 : 0}`;
        default:
          return 'ERR commands: GET <key>, SET <key> <value>, INCR <key> [by], DEL <key>';
      }
    } catch (error) {
      return `ERR ${(error as Error).message}`;
    }
  }
}

function parseValue(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
