import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { ERR_HTTP_BODY_INVALID_JSON } from './errors';

/**
 * The path parameters of a request by name (`:key` is `params.key`, the
 * wildcard `params['*']`), percent-decoded; frozen, with no prototype.
 */
export type HttpParams = Readonly<Record<string, string>>;

/** What an HTTP handler gets: the request, its body read already, and the response. */
export interface HttpContext {
  /** The listener's name from the configuration. */
  readonly listener: string;
  readonly req: IncomingMessage;
  /** Write to it directly to stream a response; the return value is then ignored. */
  readonly res: ServerResponse;
  readonly method: string;
  /** The request path, without the query string (not decoded). */
  readonly path: string;
  /** The route's path parameters, decoded; `{}` when its path has none (see HttpParams). */
  readonly params: HttpParams;
  /** The query string, parsed on first use. */
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The request body (empty when there is none), at most maxBodyBytes. */
  readonly body: Buffer;
  readonly remoteAddress: string;
  /** The body parsed as JSON; invalid JSON is answered 400 (SHOAL_ERR_HTTP_BODY_INVALID_JSON). */
  json<T = unknown>(): T;
  /** Sets the response status (for a returned value, or the empty response of undefined). */
  status(code: number): this;
  /** Sets a response header; a Content-Type set here wins over the one of the return value. */
  header(name: string, value: string | number | readonly string[]): this;
}

export class HttpRequestContext implements HttpContext {
  readonly method: string;
  /** status() was called: an undefined return value keeps that status instead of 204. */
  statusSet = false;
  /** The returned value as JSON, serialised once when the reply was checked. */
  replyJson: string | undefined = undefined;
  private parsedQuery: URLSearchParams | undefined;

  constructor(
    readonly listener: string,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly path: string,
    private readonly search: string,
    readonly body: Buffer,
    readonly params: HttpParams,
  ) {
    this.method = req.method ?? 'GET';
  }

  get query(): URLSearchParams {
    return (this.parsedQuery ??= new URLSearchParams(this.search));
  }

  get headers(): IncomingHttpHeaders {
    return this.req.headers;
  }

  get remoteAddress(): string {
    return this.req.socket.remoteAddress ?? '';
  }

  json<T = unknown>(): T {
    try {
      return JSON.parse(this.body.toString('utf8')) as T;
    } catch (err) {
      throw new ERR_HTTP_BODY_INVALID_JSON(this.body.length === 0 ? 'the body is empty' : (err as Error).message, { cause: err });
    }
  }

  status(code: number): this {
    this.res.statusCode = code;
    this.statusSet = true;
    return this;
  }

  header(name: string, value: string | number | readonly string[]): this {
    this.res.setHeader(name, value);
    return this;
  }
}
