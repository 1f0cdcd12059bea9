import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import azureFunctions, { type HttpResponseInit } from '@azure/functions';
import type { Logger } from '../app/logger.js';
import { MAX_BODY_BYTES } from '../handlers/readBody.js';
import { localHttpRequest } from './localRequest.js';
import { NodeHeaders } from './nodeHeaders.js';

// The package is CommonJS without named-export hints, so its classes come from the default export.
const { InvocationContext } = azureFunctions;

export type HttpHandler = ((
  request: azureFunctions.HttpRequest,
  context: azureFunctions.InvocationContext,
) => Promise<HttpResponseInit>) & {
  /**
   * A check of the headers alone that the handler runs first anyway; here it runs before the body is read, so a
   * request it answers (an unsigned one, say) costs no read of its body.
   */
  beforeBody?: (headers: Headers, context: azureFunctions.InvocationContext) => HttpResponseInit | undefined;
};

export interface Route {
  method: string | string[];
  path: string;
  name: string;
  handler: HttpHandler;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.ico': 'image/x-icon',
};

class TooLarge extends Error {}

/** Reads at most `limit` bytes; one byte more and it stops reading and throws. */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return reject(new TooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        req.removeAllListeners('data');
        reject(new TooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A response's headers as Node takes them, names lower-cased: a plain record (every handler's) is copied as it
 * is, names that differ only in case joined as fetch Headers joins them; anything else goes through Headers.
 */
function responseHeaders(init: HttpResponseInit['headers']): Record<string, string> {
  const headers: Record<string, string> = {};
  if (init === undefined) return headers;
  if (init instanceof Headers || Symbol.iterator in init) {
    for (const [name, value] of new Headers(init as HeadersInit)) headers[name] = value;
    return headers;
  }
  for (const [name, value] of Object.entries(init as Record<string, string>)) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return headers;
}

/** Statuses that carry no body, so no Content-Length either. */
const bodiless = (status: number) => status < 200 || status === 204 || status === 304;

async function writeResponse(
  res: ServerResponse,
  response: HttpResponseInit,
  extra?: Record<string, string>,
) {
  const status = response.status ?? 200;
  const headers = responseHeaders(response.headers);
  if (extra) Object.assign(headers, extra);
  let body: string | Uint8Array | undefined;
  if (response.jsonBody !== undefined) {
    body = JSON.stringify(response.jsonBody);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  } else if (typeof response.body === 'string' || response.body instanceof Uint8Array) {
    body = response.body;
  } else if (response.body !== undefined && response.body !== null) {
    body = new Uint8Array(await new Response(response.body as BodyInit).arrayBuffer());
  }
  // A known length lets Node send head and body in one write, where chunked encoding takes five pieces.
  if (body !== undefined && !bodiless(status) && headers['content-length'] === undefined) {
    headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  }
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * What every static response carries: no MIME sniffing, and a policy that allows only the dashboard's own
 * scripts, styles and API calls (the built app has no inline script or style).
 */
export const STATIC_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; '),
  'referrer-policy': 'no-referrer',
} as const;

/**
 * Serves the built dashboard (GET and HEAD); unknown paths fall back to index.html (client-side routing by
 * ?month=). Hashed assets are cached for good, index.html never, so a new build shows at the next load.
 */
async function serveStatic(
  root: string,
  urlPath: string,
  res: ServerResponse,
  headOnly: boolean,
): Promise<boolean> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return false; // Malformed percent-encoding (`/%E0%A4%A`): no such file, a 404 rather than a 500.
  }
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  const candidate = join(root, relative);
  if (!candidate.startsWith(root + sep) && candidate !== root) return false;
  for (const file of [candidate, join(root, 'index.html')]) {
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile()) {
      const hashedAsset = file.startsWith(join(root, 'assets') + sep);
      res.writeHead(200, {
        ...STATIC_SECURITY_HEADERS,
        'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': hashedAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      if (headOnly) res.end();
      else createReadStream(file).pipe(res);
      return true;
    }
  }
  return false;
}

/** How long one client may take: a stalled client is answered 408 and dropped, never holding the server. */
export interface ServerTimeouts {
  /** Until the request's headers are complete. */
  headersMs: number;
  /** Until the whole request (1 MiB at most) has arrived. */
  requestMs: number;
  /** How often Node checks both. */
  checkIntervalMs: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  checkIntervalMs: 2_000,
};

/**
 * A request Node's parser rejects (a request line that is not HTTP, headers over the limit, a stalled client)
 * never reaches the handler: it is answered here, on the socket, as Node's default would, and logged at debug.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, log: Logger): void {
  log.debug(`http: client error ${error.code ?? error.message}`);
  const response = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || response?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : [400, 'Bad Request'];
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Where an InvocationContext's log lines go: the local logger, at the matching level. */
function logTo(log: Logger): azureFunctions.InvocationContextInit['logHandler'] {
  return (level, ...args) => {
    if (level === 'debug' || level === 'trace') log.debug(String(args[0]), ...args.slice(1));
    else if (level === 'warning') log.warn(String(args[0]), ...args.slice(1));
    else if (level === 'error' || level === 'critical') log.error(String(args[0]), ...args.slice(1));
    else log.info(String(args[0]), ...args.slice(1));
  };
}

/** The request's URL, or undefined when it cannot be parsed (`GET http://[/`): a 400, not a crash. */
function parseRequestUrl(raw: string | undefined): URL | undefined {
  try {
    return new URL(raw ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/**
 * The embedded default's HTTP front: turns Node requests into the same HttpRequest objects the Functions host
 * passes, so every route runs the very handler Azure runs. Nothing one request sends can stop it serving others.
 */
export function createHttpServer(options: {
  routes: Route[];
  staticRoot?: string;
  log: Logger;
  timeouts?: ServerTimeouts;
}): Server {
  const { routes, staticRoot, log } = options;
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  // One context per route, built once: the HTTP handlers only log through it, and locally every invocation's
  // id is the same 'unknown' anyway.
  const served = routes.map((route) => ({
    route,
    methods: new Set([route.method].flat()),
    context: new InvocationContext({ functionName: route.name, logHandler: logTo(log) }),
  }));
  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    (req, res) => void handle(req, res),
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket, log),
  );
  return server;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseRequestUrl(req.url);
    try {
      if (!url) {
        res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' });
        res.end('malformed request URL');
        return;
      }
      const method = req.method ?? 'GET';
      const match = served.find((s) => s.route.path === url.pathname && s.methods.has(method));
      if (!match) {
        const read = method === 'GET' || method === 'HEAD';
        if (read && staticRoot && !url.pathname.startsWith('/api/')) {
          if (await serveStatic(staticRoot, url.pathname, res, method === 'HEAD')) return;
        }
        const known = routes.some((r) => r.path === url.pathname);
        return await writeResponse(res, {
          status: known ? 405 : 404,
          body: known ? 'method not allowed' : 'not found',
        });
      }
      const { route, context } = match;
      const headers = new NodeHeaders(req.headers);
      const early = route.handler.beforeBody?.(headers, context);
      if (early) {
        // The body is left unread: the connection cannot carry another request after it.
        return await writeResponse(res, early, { connection: 'close' });
      }
      const bytes = await readLimited(req, MAX_BODY_BYTES);
      const request = localHttpRequest({ method, url, headers, bytes });
      await writeResponse(res, await route.handler(request, context));
    } catch (error) {
      if (error instanceof TooLarge) {
        res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
        res.end('request body too large');
        return;
      }
      // The client went away (or was cut off by a timeout) before its body was complete: nobody to answer.
      if (!req.complete && req.destroyed) {
        log.debug(`${req.method} ${url?.pathname}: the client left before its request was complete`);
        return;
      }
      log.error(`${req.method} ${url?.pathname} failed`, error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    }
  }
}
