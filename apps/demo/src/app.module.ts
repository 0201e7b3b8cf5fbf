import { Module } from '@nestjs/common';
import { EchoHandlers } from './echo.handlers';
import { KvHttpHandlers } from './kv-http.handlers';
import { KvTcpHandlers } from './kv-tcp.handlers';
import { KvUdpHandlers } from './kv-udp.handlers';
import { KvService } from './kv.service';
import { sctpProviders } from './sctp.handlers';
import { StatsService } from './stats.service';

/**
 * The demo service: a key-value store (KvService, one instance per worker,
 * its data shared by all of them through ShoalStore) over HTTP, TCP, UDP and
 * SCTP, plus the echo endpoints.
 */
@Module({ providers: [StatsService, KvService, EchoHandlers, KvHttpHandlers, KvTcpHandlers, KvUdpHandlers, ...sctpProviders()] })
export class AppModule {}
