/**
 * The embedded default's HTTP front (createHttpServer): routes to the same handlers Azure runs with the raw body
 * intact, 404/405, the 1 MiB limit without reading past it, and the dashboard's static files (no traversal).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../functions/handlers/readBody.js';
import { createHttpServer, type HttpHandler } from '../../functions/local/httpServer.js';
import { capturedLog } from '../handlers/helpers.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const SECRET_MARKER = 'TOP-SECRET-OUTSIDE-THE-STATIC-ROOT';
const INDEX_HTML = '<!doctype html><title>TIL 대시보드</title>';

interface Seen {
  method: string;
  url: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Buffer;
  functionName: string;
}

let seen: Seen[];
let dir: TempDir;
let server: Server;
let baseUrl: string;
let port: number;
const log = capturedLog();

const echo: HttpHandler = async (request, context) => {
  const body = Buffer.from(await request.arrayBuffer());
  seen.push({
    method: request.method,
    url: request.url,
    query: Object.fromEntries(request.query),
    headers: Object.fromEntries(request.headers),
    body,
    functionName: context.functionName,
  });
  return {
    status: 201,
    jsonBody: { bytes: body.byteLength, sha256: createHash('sha256').update(body).digest('hex') },
    headers: { 'x-handled-by': 'echo' },
  };
};

/** Answers in each form a handler may give its headers and body (the key is the request body). */
const framings = {
  record: {
    status: 200,
    body: '확인',
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Two': 'a' },
  },
  cased: { status: 200, body: 'ok', headers: { 'x-two': 'a', 'X-Two': 'b' } },
  headers: { status: 202, jsonBody: { ok: true }, headers: new Headers({ 'X-From': 'headers' }) },
  pairs: {
    status: 200,
    body: new Uint8Array([1, 2, 3]),
    headers: [['x-from', 'pairs']] as [string, string][],
  },
  empty: { status: 204 },
};

/** Like slack-events: refuses a request without `x-pass` from its headers alone. */
const guarded: HttpHandler = Object.assign(echo.bind(null), {
  beforeBody: (headers: Headers) => (headers.get('x-pass') ? undefined : { status: 401, body: 'no pass' }),
});

beforeAll(async () => {
  dir = await makeTempDir('http-server');
  const root = join(dir.path, 'public');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), INDEX_HTML);
  await writeFile(join(root, 'assets', 'app.js'), 'console.log("til");');
  await writeFile(join(root, 'assets', 'style.css'), 'body{margin:0}');
  await writeFile(join(root, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(root, 'data.bin'), Buffer.from([0, 1, 2, 255]));
  // Outside the static root: must never be served.
  await writeFile(join(dir.path, 'secret.txt'), SECRET_MARKER);
  await writeFile(join(dir.path, 'package.json'), JSON.stringify({ name: SECRET_MARKER }));

  server = createHttpServer({
    log,
    staticRoot: root,
    routes: [
      { name: 'echo', method: 'POST', path: '/api/echo', handler: echo },
      { name: 'stats', method: ['GET', 'OPTIONS'], path: '/api/stats', handler: echo },
      { name: 'guarded', method: 'POST', path: '/api/guarded', handler: guarded },
      {
        name: 'framed',
        method: 'POST',
        path: '/api/framed',
        handler: async (request) => framings[(await request.text()) as keyof typeof framings],
      },
      {
        name: 'boom',
        method: 'POST',
        path: '/api/boom',
        handler: async () => {
          throw new Error('queue unavailable');
        },
      },
    ],
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await dir.remove();
});

beforeEach(() => {
  seen = [];
});

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A request with the path sent exactly as given (fetch would normalise `..` away before sending). */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer) {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('routes', () => {
  it('hands the handler the raw body byte for byte, with method, headers and query', async () => {
    // Multibyte UTF-8 split across chunk boundaries, then bytes that are not UTF-8 at all.
    const body = Buffer.concat([
      Buffer.from(`{"text":"${'오늘의 TIL 🔥 — é '.repeat(20_000)}"}`),
      Buffer.from([0xff, 0xfe, 0x00, 0xc3]),
    ]);
    const response = await fetch(`${baseUrl}/api/echo?month=2026-11&x=%ED%95%9C`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-signature': 'v0=abc' },
      body,
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-handled-by')).toBe('echo');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      bytes: body.byteLength,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request!.body.equals(body)).toBe(true);
    expect(request).toMatchObject({
      method: 'POST',
      functionName: 'echo',
      query: { month: '2026-11', x: '한' },
      headers: { 'x-slack-signature': 'v0=abc', 'content-type': 'application/json' },
    });
    expect(new URL(request!.url).pathname).toBe('/api/echo');
  });

  it('passes an empty body as empty, and GET requests without one', async () => {
    expect((await fetch(`${baseUrl}/api/echo`, { method: 'POST' })).status).toBe(201);
    expect((await fetch(`${baseUrl}/api/stats?month=2026-11`)).status).toBe(201);
    expect(seen.map((s) => [s.method, s.body.byteLength])).toEqual([
      ['POST', 0],
      ['GET', 0],
    ]);
    expect(seen[1]?.query).toEqual({ month: '2026-11' });
  });

  it('answers 404 to an unknown path and 405 to a known path with another method', async () => {
    const unknown = await fetch(`${baseUrl}/api/nothing-here`, { method: 'POST', body: '{}' });
    const wrongMethod = await fetch(`${baseUrl}/api/echo`);
    const wrongMethod2 = await fetch(`${baseUrl}/api/stats`, { method: 'DELETE' });
    expect([unknown.status, wrongMethod.status, wrongMethod2.status]).toEqual([404, 405, 405]);
    expect(seen).toEqual([]);
  });

  it('sends a handler’s headers in any form it gives them, and a Content-Length for its body', async () => {
    const send = (key: keyof typeof framings) => raw('POST', '/api/framed', {}, Buffer.from(key));
    const record = await send('record');
    expect(record.headers).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      'x-two': 'a',
      'content-length': String(Buffer.byteLength('확인')),
    });
    expect(record.headers['transfer-encoding']).toBeUndefined();
    expect(record.body.toString()).toBe('확인');
    // Names that differ only in case are one header, joined as fetch Headers joins them.
    expect((await send('cased')).headers['x-two']).toBe('a, b');
    const fromHeaders = await send('headers');
    expect([fromHeaders.status, fromHeaders.headers['x-from'], fromHeaders.body.toString()]).toEqual([
      202,
      'headers',
      '{"ok":true}',
    ]);
    expect(fromHeaders.headers['content-type']).toMatch(/^application\/json/);
    const pairs = await send('pairs');
    expect([pairs.headers['x-from'], pairs.headers['content-length'], [...pairs.body]]).toEqual([
      'pairs',
      '3',
      [1, 2, 3],
    ]);
    const empty = await send('empty');
    expect([empty.status, empty.headers['content-length'], empty.body.length]).toEqual([204, undefined, 0]);
  });

  it('answers 500 when a handler throws, without leaking the error', async () => {
    const response = await fetch(`${baseUrl}/api/boom`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('queue unavailable');
    expect(log.lines.some((line) => line.startsWith('error') && line.includes('/api/boom'))).toBe(true);
  });
});

describe('body limit', () => {
  it('accepts a body of exactly 1 MiB', async () => {
    const body = Buffer.alloc(MAX_BODY_BYTES, 0x61);
    const response = await fetch(`${baseUrl}/api/echo`, { method: 'POST', body });
    expect(response.status).toBe(201);
    expect(seen[0]?.body.byteLength).toBe(MAX_BODY_BYTES);
  });

  it('answers 413 from a declared content-length over 1 MiB, before any body is sent', async () => {
    const response = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/echo',
        headers: { 'content-length': String(MAX_BODY_BYTES + 1) },
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      // Headers only: the body is never written.
      req.flushHeaders();
    });
    expect(response).toBe(413);
    expect(seen).toEqual([]);
  });

  it('answers 413 to a chunked body as soon as it passes 1 MiB, while the client is still sending', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/echo',
        headers: { 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      // 1 MiB + 128 KiB, and the request is never ended: a server that waited for the whole body would never
      // answer (the test would time out).
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      for (let i = 0; i < 18; i++) req.write(chunk);
    });
    expect(status).toBe(413);
    expect(seen).toEqual([]);
  });
});

describe('checks before the body', () => {
  it("#16: a handler's header check answers before the body is read (1 MiB declared, none sent)", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/guarded',
        headers: { 'content-length': String(MAX_BODY_BYTES) },
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      // Headers only: a server that read the body before the check would never answer.
      req.flushHeaders();
    });
    expect(status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('passes a request the header check lets through to the handler with its body', async () => {
    const response = await fetch(`${baseUrl}/api/guarded`, {
      method: 'POST',
      headers: { 'x-pass': '1' },
      body: 'hello',
    });
    expect(response.status).toBe(201);
    expect(seen[0]?.body.toString()).toBe('hello');
  });
});

describe('static dashboard', () => {
  it.each([
    ['/', 'text/html; charset=utf-8', INDEX_HTML],
    ['/index.html', 'text/html; charset=utf-8', INDEX_HTML],
    ['/assets/app.js', 'text/javascript; charset=utf-8', 'console.log("til");'],
    ['/assets/style.css', 'text/css; charset=utf-8', 'body{margin:0}'],
    ['/logo.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
  ])('serves %s as %s', async (path, contentType, content) => {
    const response = await fetch(`${baseUrl}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(await response.text()).toBe(content);
  });

  it('serves unknown file types as octet-stream, byte for byte', async () => {
    const response = await fetch(`${baseUrl}/data.bin`);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('falls back to index.html for client-side routes, but not under /api/', async () => {
    const page = await fetch(`${baseUrl}/months/2026-11?month=2026-11`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe(INDEX_HTML);
    const api = await fetch(`${baseUrl}/api/unknown`);
    expect(api.status).toBe(404);
    expect(await api.text()).not.toContain(INDEX_HTML);
  });

  it('serves static files to GET and HEAD only', async () => {
    expect((await fetch(`${baseUrl}/index.html`, { method: 'POST', body: 'x' })).status).toBe(404);
    for (const path of ['/', '/index.html', '/assets/app.js']) {
      const head = await fetch(`${baseUrl}${path}`, { method: 'HEAD' });
      const get = await fetch(`${baseUrl}${path}`);
      expect(head.status, path).toBe(200);
      expect(head.headers.get('content-type'), path).toBe(get.headers.get('content-type'));
      expect(Number(head.headers.get('content-length')), path).toBe((await get.arrayBuffer()).byteLength);
      expect((await head.arrayBuffer()).byteLength, path).toBe(0);
    }
  });

  it('sends nosniff and a restrictive Content-Security-Policy with every static file', async () => {
    for (const path of ['/', '/assets/app.js', '/logo.svg', '/months/2026-11']) {
      const response = await fetch(`${baseUrl}${path}`);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(csp, path).not.toContain('unsafe-eval');
    }
  });

  it('caches hashed assets for good and index.html never', async () => {
    expect((await fetch(`${baseUrl}/assets/app.js`)).headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${baseUrl}/`)).headers.get('cache-control')).toBe('no-cache');
  });

  it.each([
    '/../package.json',
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/package.json',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/%2e%2e%5c%2e%2e%5csecret.txt',
    '//../secret.txt',
    '/.%2e/secret.txt',
  ])('does not serve files outside the static root: %s', async (path) => {
    const response = await raw('GET', path);
    expect(response.status).not.toBe(500);
    expect(response.body.toString()).not.toContain(SECRET_MARKER);
  });

  it.each(['/%E0%A4%A', '/%', '/assets/%zz', '/%00', '/index.html%00.js'])(
    'answers a malformed or hostile path (%s) without an internal error',
    async (path) => {
      const response = await raw('GET', path);
      expect(response.status).toBeLessThan(500);
      expect(response.body.toString()).not.toContain(SECRET_MARKER);
    },
  );
});

/** Writes `bytes` on a fresh connection and collects what the server sends until it closes (or `waitMs`). */
function rawExchange(bytes: string, options: { port?: number; waitMs?: number } = {}) {
  return new Promise<string>((resolve) => {
    const socket = connect(options.port ?? port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, options.waitMs ?? 3000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', done);
    socket.on('error', done);
    socket.write(bytes);
  });
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

describe('requests Node cannot take apart (SPEC 4: 400 / 431 / timeout, the server keeps serving)', () => {
  it('#10: an unparsable request URL gets 400 and the server keeps serving', async () => {
    const response = await rawExchange('GET http://[/ HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(statusOf(response)).toBe(400);
    expect((await fetch(`${baseUrl}/index.html`)).status).toBe(200);
  });

  it('#10: a request line that is not HTTP gets 400 and the server keeps serving', async () => {
    const response = await rawExchange('NOT A REQUEST\r\n\r\n');
    expect(statusOf(response)).toBe(400);
    expect((await fetch(`${baseUrl}/index.html`)).status).toBe(200);
  });

  it('#10: a header over the size limit gets 431 and the server keeps serving', async () => {
    const response = await rawExchange(
      `GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
    );
    expect(statusOf(response)).toBe(431);
    expect((await fetch(`${baseUrl}/index.html`)).status).toBe(200);
  });

  it('#10: a client that stalls in its headers or its body is cut off, while others are served', async () => {
    const quick = createHttpServer({
      log,
      routes: [{ name: 'echo', method: 'POST', path: '/api/echo', handler: echo }],
      timeouts: { headersMs: 300, requestMs: 600, checkIntervalMs: 50 },
    });
    await new Promise<void>((resolve) => quick.listen(0, '127.0.0.1', resolve));
    const quickPort = (quick.address() as AddressInfo).port;
    try {
      const stalledHeaders = rawExchange('GET / HTTP/1.1\r\nHost: localhost\r\n', {
        port: quickPort,
        waitMs: 5000,
      });
      const stalledBody = rawExchange(
        'POST /api/echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{"only":"part',
        { port: quickPort, waitMs: 5000 },
      );
      // Meanwhile everyone else is served.
      const served = await fetch(`http://127.0.0.1:${quickPort}/api/echo`, { method: 'POST', body: '{}' });
      expect(served.status).toBe(201);
      const [headers, body] = await Promise.all([stalledHeaders, stalledBody]);
      expect(statusOf(headers)).toBe(408);
      expect(statusOf(body)).toBe(408);
    } finally {
      quick.closeAllConnections();
      await new Promise((resolve) => quick.close(resolve));
    }
  });
});
