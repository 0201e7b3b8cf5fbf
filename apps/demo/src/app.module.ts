import { Module } from '@nestjs/common';
import { EchoHandlers } from './echo.handlers';
import { HomeController } from './home.controller';
import { KvChangesGateway } from './kv-changes.gateway';
import { KvController } from './kv.controller';
import { KvTcpHandlers } from './kv-tcp.handlers';
import { KvUdpHandlers } from './kv-udp.handlers';
import { KvService } from './kv.service';
import { sctpProviders } from './sctp.handlers';
import { StatsService } from './stats.service';

/**
 * The demo service: a key-value store (KvService, one instance per worker,
 * its data shared by all of them through ShoalStore) over HTTP, TCP, UDP and
 * SCTP, plus the echo endpoints. Its HTTP side is Nest controllers on Fastify
 * (kv.controller.ts, home.controller.ts) and a WebSocket gateway that pushes
 * key changes to the clients that subscribed to them (kv-changes.gateway.ts).
 */
@Module({
  controllers: [HomeController, KvController],
  providers: [StatsService, KvService, KvChangesGateway, EchoHandlers, KvTcpHandlers, KvUdpHandlers, ...sctpProviders()],
})
export class AppModule {}
