import { Injectable } from '@nestjs/common';
import { OnMessage } from '@shoal/core';
import { KvService } from './kv.service';
import type { Transport } from './kv.service';

/** One request or answer of the binary protocols: a JSON object in a length-prefixed frame (TCP) or a message (SCTP). */
export interface KvRequest {
  op: 'get' | 'set' | 'delete' | 'increment';
  key: string;
  value?: unknown;
  ttlMs?: number;
  by?: number;
  /** Echoed back, so that a client can pipeline requests. */
  id?: unknown;
}

export type KvAnswer = { id?: unknown; ok: true; value?: unknown; found?: boolean } | { id?: unknown; ok: false; error: string };

/** Runs one request of the framed protocols; errors become `{ ok: false, error }`, the connection lives on. */
export async function answerKvRequest(kv: KvService, frame: Buffer, transport: Transport): Promise<KvAnswer> {
  let request: KvRequest;
  try {
    request = JSON.parse(frame.toString('utf8')) as KvRequest;
  } catch {
    return { ok: false, error: 'a request is a JSON object like {"op":"get","key":"a"}' };
  }
  const id = request?.id;
  try {
    switch (request?.op) {
      case 'get': {
        const value = await kv.get(request.key, transport);
        return { id, ok: true, found: value !== undefined, value };
      }
      case 'set':
        await kv.set(request.key, request.value, request.ttlMs, transport);
        return { id, ok: true };
      case 'delete':
        return { id, ok: true, found: await kv.delete(request.key, transport) };
      case 'increment':
        return { id, ok: true, value: await kv.increment(request.key, request.by ?? 1, transport) };
      default:
        return { id, ok: false, error: 'op must be one of get, set, delete, increment' };
    }
  } catch (error) {
    return { id, ok: false, error: (error as Error).message };
  }
}

/** TCP: length-prefixed frames (u32 big-endian length, then JSON), one answer per request, in order. */
@Injectable()
export class KvTcpHandlers {
  constructor(private readonly kv: KvService) {}

  @OnMessage('kv')
  async request(frame: Buffer): Promise<string> {
    return JSON.stringify(await answerKvRequest(this.kv, frame, 'tcp'));
  }
}
