import { Injectable } from '@nestjs/common';
import { ShoalMetrics } from '@shoal/core';
import type { Counter } from 'prom-client';

/** One service shared by every handler of a worker, through Nest's DI. */
@Injectable()
export class StatsService {
  private readonly served: Counter<'transport'>;
  private readonly counts = { http: 0, tcp: 0, udp: 0 };

  constructor(metrics: ShoalMetrics) {
    this.served = metrics.counter({ name: 'demo_requests_served_total', help: 'Requests the demo answered, by transport.', labelNames: ['transport'] });
  }

  record(transport: 'http' | 'tcp' | 'udp'): void {
    this.counts[transport] += 1;
    this.served.inc({ transport });
  }

  snapshot(): { pid: number; served: { http: number; tcp: number; udp: number } } {
    return { pid: process.pid, served: { ...this.counts } };
  }
}
