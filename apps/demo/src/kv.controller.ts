import {
  type ArgumentsHost,
  Body,
  type CanActivate,
  Catch,
  Controller,
  DefaultValuePipe,
  Delete,
  type ExceptionFilter,
  type ExecutionContext,
  Get,
  HttpCode,
  Injectable,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Put,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { isShoalError } from '@shoal/core';
import { IsDefined, IsInt, IsOptional, Min } from 'class-validator';
import { KvRequestError, KvService } from './kv.service';

/** The body of PUT /kv/:key, validated by the global ValidationPipe (shoal.app.ts). */
export class SetValueDto {
  @IsDefined({ message: 'the body must be JSON like {"value": ..., "ttlMs": 60000}' })
  value!: unknown;

  @IsOptional()
  @IsInt()
  @Min(1)
  ttlMs?: number;
}

/**
 * Writes need the demo's write token in `x-demo-token` (SHOAL_DEMO_TOKEN,
 * default "demo"): a stand-in for the authentication a real service has.
 */
@Injectable()
export class WriteTokenGuard implements CanActivate {
  private readonly token = process.env.SHOAL_DEMO_TOKEN ?? 'demo';

  canActivate(context: ExecutionContext): boolean {
    const headers = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers;
    return headers['x-demo-token'] === this.token;
  }
}

/** The store's own client errors (a bad key, a value that is not a number) are 400 with the message. */
@Catch(KvRequestError)
export class KvRequestErrorFilter implements ExceptionFilter {
  catch(error: Error, host: ArgumentsHost): void {
    // Fastify's reply (the demo's platform) has code() and send().
    host.switchToHttp().getResponse<{ code(status: number): { send(body: unknown): void } }>().code(400).send({ error: error.message });
  }
}

/** A store error caused by the request (incrementing a text value) is the client's: 400. */
@Catch()
export class StoreClientErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    if (!(isShoalError(error) && /NOT_A_NUMBER/.test(error.code))) throw error;
    host.switchToHttp().getResponse<{ code(status: number): { send(body: unknown): void } }>().code(400).send({ error: (error as Error).message });
  }
}

/**
 * The key-value JSON API: GET, PUT and DELETE /kv/:key, POST
 * /kv/:key/increment?by=n. Writes need the write token; a missing key is
 * 404, a bad key or body 400.
 */
@Controller('kv')
@UseFilters(StoreClientErrorFilter, KvRequestErrorFilter)
export class KvController {
  constructor(private readonly kv: KvService) {}

  @Get(':key')
  async get(@Param('key') key: string): Promise<object> {
    const value = await this.kv.get(key, 'http');
    if (value === undefined) throw new NotFoundException({ error: `no key ${key}` });
    return { key, value };
  }

  @Put(':key')
  @UseGuards(WriteTokenGuard)
  async put(@Param('key') key: string, @Body() body: SetValueDto): Promise<object> {
    await this.kv.set(key, body.value, body.ttlMs, 'http');
    return { key, value: body.value };
  }

  @Delete(':key')
  @UseGuards(WriteTokenGuard)
  async remove(@Param('key') key: string): Promise<object> {
    return { key, deleted: await this.kv.delete(key, 'http') };
  }

  @Post(':key/increment')
  @HttpCode(200)
  @UseGuards(WriteTokenGuard)
  async increment(@Param('key') key: string, @Query('by', new DefaultValuePipe(1), ParseIntPipe) by: number): Promise<object> {
    return { key, value: await this.kv.increment(key, by, 'http') };
  }
}
