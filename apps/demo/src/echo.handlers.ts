import { Injectable } from '@nestjs/common';
import { OnDatagram, OnMessage, OnRequest } from '@shoal/core';
import type { HttpContext } from '@shoal/transport-tcp';
import { StatsService } from './stats.service';

@Injectable()
export class EchoHandlers {
  constructor(private readonly stats: StatsService) {}

  @OnRequest('http', { method: 'GET', path: '/' })
  hello(ctx: HttpContext): string {
    this.stats.record('http');
    ctx.header('x-shoal-worker', String(process.pid));
    return `hello from shoal worker ${process.pid}\n`;
  }

  @OnRequest('http', { method: 'GET', path: '/stats' })
  statsOfThisWorker(): object {
    return this.stats.snapshot();
  }

  @OnMessage('echo')
  echoLine(line: Buffer): Buffer {
    this.stats.record('tcp');
    return line;
  }

  @OnDatagram('udp')
  echoDatagram(payload: Buffer): Buffer {
    this.stats.record('udp');
    return payload;
  }
}
