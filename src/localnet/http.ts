import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * The localnet's HTTP plumbing. Handlers return a {@link LocalnetResponse} instead of writing to
 * the socket, and every request goes through {@link dispatch}, where an optional
 * {@link LocalnetInterceptor} sees the request before the handler and the response after it.
 * That is the seam for fault injection: an interceptor can answer in the handler's place (an
 * error, a 429), delay, replace a response the handler already acted on ("stored, then 500"), or
 * destroy the connection.
 */

/** A request matched to a route. */
export interface LocalnetRequest {
  /** Stable route name, such as `fullnode.submit` or `rpc.putPart`. */
  route: string;
  method: string;
  /** Path as received, still percent-encoded. */
  path: string;
  /** Named path parameters, percent-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The raw request; handlers that stream the body read from it. */
  incoming: IncomingMessage;
  /** The raw response, for interceptors that must act on the connection itself. */
  outgoing: ServerResponse;
  /**
   * Set by fault injection on a transaction submission: accept it now, but let it land only this
   * many milliseconds later.
   */
  pendingMs?: number;
}

/** What a handler answers. `json` is serialised; `body` is sent as is (a stream is piped). */
export interface LocalnetResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: Buffer | Readable;
}

/** Produces the response to a matched request. */
export type RouteHandler = (request: LocalnetRequest) => Promise<LocalnetResponse>;

/**
 * Wraps every handler call. Return a response to send it, or `undefined` when the interceptor has
 * already dealt with the connection (for example destroyed it).
 */
export type LocalnetInterceptor = (
  request: LocalnetRequest,
  next: () => Promise<LocalnetResponse>,
) => Promise<LocalnetResponse | undefined>;

/** A route: method, a path pattern with named groups, a stable name and the handler. */
export interface Route {
  method: string;
  pattern: RegExp;
  name: string;
  handler: RouteHandler;
}

/** Thrown by handlers for a client error; answered as `status` with `{ error, message }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** JSON response helper. */
export function json(
  status: number,
  value: unknown,
  headers?: Record<string, string>,
): LocalnetResponse {
  return { status, json: value, headers };
}

/** Reads the whole request body, refusing more than `limit` bytes with 413. */
export async function readBody(incoming: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new HttpError(413, `Request body exceeds ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON request body; an empty body reads as `{}`. */
export async function readJson(incoming: IncomingMessage, limit = 1024 * 1024): Promise<unknown> {
  const body = await readBody(incoming, limit);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON');
  }
}

function match(
  routes: Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) continue;
    const found = route.pattern.exec(path);
    if (!found) continue;
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(found.groups ?? {})) {
      try {
        params[key] = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    }
    return { route, params };
  }
  return undefined;
}

async function send(
  outgoing: ServerResponse,
  method: string,
  response: LocalnetResponse,
): Promise<void> {
  const headers: Record<string, string> = { ...response.headers };
  let body: Buffer | Readable | undefined = response.body;
  if (response.json !== undefined) {
    body = Buffer.from(JSON.stringify(response.json));
    headers['content-type'] ??= 'application/json';
  }
  if (Buffer.isBuffer(body)) headers['content-length'] ??= String(body.length);
  outgoing.writeHead(response.status, headers);
  if (method === 'HEAD' || body === undefined) {
    if (body instanceof Readable) body.destroy();
    outgoing.end();
    return;
  }
  if (Buffer.isBuffer(body)) {
    outgoing.end(body);
    return;
  }
  await pipeline(body, outgoing);
}

/** Routes one request and writes the answer; never throws. */
export async function dispatch(
  routes: Route[],
  interceptor: LocalnetInterceptor | undefined,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): Promise<void> {
  const url = new URL(incoming.url ?? '/', 'http://localnet');
  const method = incoming.method ?? 'GET';
  const found = match(routes, method, url.pathname);
  let response: LocalnetResponse | undefined;
  try {
    if (!found) {
      response = json(404, {
        error: 'not_found',
        message: `No localnet route for ${method} ${url.pathname}`,
      });
    } else {
      const request: LocalnetRequest = {
        route: found.route.name,
        method,
        path: url.pathname,
        params: found.params,
        query: url.searchParams,
        incoming,
        outgoing,
      };
      const next = () => found.route.handler(request);
      response = interceptor ? await interceptor(request, next) : await next();
    }
  } catch (error) {
    response =
      error instanceof HttpError
        ? json(
            error.status,
            error.body ?? { error: errorName(error.status), message: error.message },
          )
        : json(500, { error: 'internal', message: `Localnet failure: ${String(error)}` });
  }
  if (response === undefined || outgoing.destroyed) return;
  // Drain what the handler left unread so the connection can be reused.
  if (!incoming.readableEnded) incoming.resume();
  try {
    await send(outgoing, method, response);
  } catch {
    // The client went away mid-response; nothing left to tell it.
    outgoing.destroy();
  }
}

function errorName(status: number): string {
  switch (status) {
    case 400:
      return 'bad_request';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 416:
      return 'range_not_satisfiable';
    default:
      return 'error';
  }
}
