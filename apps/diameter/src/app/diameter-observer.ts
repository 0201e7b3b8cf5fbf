// The node's metrics (in the worker's registry, summed over workers by the
// supervisor) and its log lines (JSON, each with a stable `event`), as the
// PeerObserver of every peer.
import { Injectable } from '@nestjs/common';
import { createLogger, type Logger, ShoalMetrics } from '@shoal/core';
import type { Counter, Gauge } from 'prom-client';
import type { PeerObserver } from '../node';

@Injectable()
export class DiameterObserver implements PeerObserver {
  readonly logger: Logger;
  private readonly receivedTotal: Counter<'command'>;
  private readonly sentTotal: Counter<'command' | 'result_code'>;
  private readonly rejectedTotal: Counter<'reason' | 'result_code' | 'closed'>;
  readonly peers: Gauge;

  constructor(metrics: ShoalMetrics) {
    this.logger = createLogger('info', { role: 'app', service: 'diameter', slot: Number(process.env.SHOAL_WORKER_SLOT ?? 0) });
    this.receivedTotal = metrics.counter({ name: 'diameter_messages_received_total', help: 'Diameter messages received and decoded, by command (CER, ACR, DWA, ...).', labelNames: ['command'] });
    this.sentTotal = metrics.counter({
      name: 'diameter_messages_sent_total',
      help: 'Diameter messages sent, by command and Result-Code ("" for requests).',
      labelNames: ['command', 'result_code'],
    });
    this.rejectedTotal = metrics.counter({
      name: 'diameter_rejected_total',
      help: 'Messages this node could not serve (malformed, unsupported, out of place), by reason, the Result-Code answered ("" when none could be) and whether the association was closed for it.',
      labelNames: ['reason', 'result_code', 'closed'],
    });
    this.peers = metrics.gauge({ name: 'diameter_peers', help: 'Diameter peer connections (SCTP associations) served now.' });
  }

  received(name: string): void {
    this.receivedTotal.inc({ command: name });
  }

  sent(name: string, _stream: number, resultCode?: number): void {
    this.sentTotal.inc({ command: name, result_code: resultCode === undefined ? '' : String(resultCode) });
  }

  rejected(reason: string, resultCode: number | null, closed: boolean, detail: string): void {
    this.rejectedTotal.inc({ reason, result_code: resultCode === null ? '' : String(resultCode), closed: String(closed) });
    this.logger.warn({ event: 'diameter.rejected', reason, resultCode, closed }, detail);
  }

  event(event: string, fields: Record<string, unknown>): void {
    this.logger.info({ event, ...fields }, event);
  }
}
