import { Controller, Get, Header, Res } from '@nestjs/common';
import { StatsService } from './stats.service';

/** GET / says which worker answered; GET /stats what this worker has served. */
@Controller()
export class HomeController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @Header('content-type', 'text/plain; charset=utf-8')
  hello(@Res({ passthrough: true }) reply: { header(name: string, value: string): void }): string {
    this.stats.record('http');
    reply.header('x-shoal-worker', String(process.pid));
    return `hello from shoal worker ${process.pid}\n`;
  }

  @Get('stats')
  statsOfThisWorker(): object {
    return this.stats.snapshot();
  }
}
