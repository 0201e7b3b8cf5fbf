import { Injectable } from '@nestjs/common';
import { OnDatagram, OnMessage } from '@shoal/core';
import { StatsService } from './stats.service';

@Injectable()
export class EchoHandlers {
  constructor(private readonly stats: StatsService) {}

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
