import { Injectable } from '@nestjs/common';
import { OnRequest, isShoalError } from '@shoal/core';
import type { HttpContext } from '@shoal/transport-tcp';
import { KvRequestError, KvService } from './kv.service';

/**
 * The JSON API: GET, PUT and DELETE /kv/:key, POST /kv/:key/increment?by=n.
 * Client mistakes are 400 with a message; a missing key is 404. The key
 * arrives decoded in ctx.params.key.
 */
@Injectable()
export class KvHttpHandlers {
  constructor(private readonly kv: KvService) {}

  @OnRequest('http', { method: 'GET', path: '/kv/:key' })
  async get(ctx: HttpContext): Promise<object> {
    return this.answer(ctx, async (key) => {
      const value = await this.kv.get(key, 'http');
      if (value !== undefined) return { key, value };
      ctx.status(404);
      return { error: `no key ${key}` };
    });
  }

  @OnRequest('http', { method: 'PUT', path: '/kv/:key' })
  async put(ctx: HttpContext): Promise<object> {
    return this.answer(ctx, async (key) => {
      const body = ctx.json<{ value?: unknown; ttlMs?: number }>();
      if (body === null || typeof body !== 'object' || !('value' in body)) throw new KvRequestError('the body must be JSON like {"value": ..., "ttlMs": 60000}');
      await this.kv.set(key, body.value, body.ttlMs, 'http');
      return { key, value: body.value };
    });
  }

  @OnRequest('http', { method: 'DELETE', path: '/kv/:key' })
  async remove(ctx: HttpContext): Promise<object> {
    return this.answer(ctx, async (key) => ({ key, deleted: await this.kv.delete(key, 'http') }));
  }

  @OnRequest('http', { method: 'POST', path: '/kv/:key/increment' })
  async increment(ctx: HttpContext): Promise<object> {
    return this.answer(ctx, async (key) => {
      const by = ctx.query.has('by') ? Number(ctx.query.get('by')) : 1;
      return { key, value: await this.kv.increment(key, by, 'http') };
    });
  }

  private async answer(ctx: HttpContext, run: (key: string) => Promise<object>): Promise<object> {
    try {
      return await run(ctx.params.key);
    } catch (error) {
      if (error instanceof KvRequestError || (isShoalError(error) && /INVALID|NOT_A_NUMBER|JSON/.test(error.code))) {
        ctx.status(400);
        return { error: error.message };
      }
      throw error;
    }
  }
}
