/**
 * A loopback chaos proxy between the app (SLACK_API_URL → proxy) and the fake Slack Web API: it forwards every
 * request as it is, except while a fault is armed, when it answers for Slack the way Slack fails:
 *
 * - `rateLimited`: 429 with Retry-After, nothing forwarded;
 * - `serverError`: a 5xx, nothing forwarded;
 * - `slackError`: 200 `{ ok: false, error }` (invalid_auth for a window, say), nothing forwarded;
 * - `slow`: forwarded (so Slack did it), the answer held back for `delayMs` (beyond the client's timeout);
 * - `dropAfterForward`: forwarded (so Slack did it), then the connection is destroyed without an answer;
 * - `reset`: the connection is destroyed before anything is forwarded;
 * - `outage(ms)`: the proxy stops listening (connection refused) and drops its open connections, for `ms`.
 *
 * Faults are armed for a number of calls (`times`) or a span of real time (`forMs`), on some methods or all, and
 * optionally only for calls whose form arguments match. What each fault did is counted for the figures.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ChaosFault =
  | { kind: 'rateLimited'; retryAfterSec: number }
  | { kind: 'serverError'; status: 500 | 502 | 503 }
  | { kind: 'slackError'; error: string }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'dropAfterForward' }
  | { kind: 'reset' };

export interface ChaosScope {
  methods?: string[];
  /** Only calls whose (form-decoded) arguments satisfy this. */
  match?: (method: string, args: Record<string, string>) => boolean;
  /** Fail this many matching calls, then stop. */
  times?: number;
  /** Fail matching calls for this long (real time) from now. */
  forMs?: number;
}

interface Rule {
  fault: ChaosFault;
  scope: ChaosScope;
  remaining: number;
  untilMs: number;
  hits: number;
}

export interface ChaosHit {
  atMs: number;
  method: string;
  fault: ChaosFault['kind'] | 'refused';
}

export interface SlackChaos {
  /** Base URL for SLACK_API_URL, ending with `/api/`. */
  url: string;
  inject(fault: ChaosFault, scope: ChaosScope): { hits(): number; stop(): void };
  /** Connection refused for `ms` (the port is closed), then back; resolves when it listens again. */
  outage(ms: number): Promise<void>;
  /** Requests forwarded to the fake (answered or not). */
  forwarded(): number;
  /** Each fault the proxy played, in order. */
  hits: ChaosHit[];
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startSlackChaos(targetUrl: string): Promise<SlackChaos> {
  const target = new URL(targetUrl);
  const rules: Rule[] = [];
  const hits: ChaosHit[] = [];
  const sockets = new Set<Socket>();
  let forwarded = 0;
  let down = false;

  const ruleFor = (method: string, args: Record<string, string>): Rule | undefined => {
    const nowMs = Date.now();
    const rule = rules.find(
      (r) =>
        r.remaining > 0 &&
        r.untilMs > nowMs &&
        (!r.scope.methods || r.scope.methods.includes(method)) &&
        (!r.scope.match || r.scope.match(method, args)),
    );
    if (rule) {
      rule.remaining -= 1;
      rule.hits += 1;
    }
    return rule;
  };

  /** Sends the request on to the fake; resolves with its answer. */
  const forward = (request: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
      forwarded += 1;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined && name !== 'host' && name !== 'connection')
          headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: { ...headers, 'content-length': String(body.length) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const answerHeaders: Record<string, string> = {};
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined && name !== 'connection' && name !== 'transfer-encoding')
                answerHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({
              status: response.statusCode ?? 502,
              headers: answerHeaders,
              body: Buffer.concat(chunks),
            });
          });
          response.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });

  const server: Server = createServer(async (request, response) => {
    try {
      const body = await readBody(request);
      const method = /\/api\/([\w.]+)/.exec(request.url ?? '')?.[1] ?? '';
      const args = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      const rule = ruleFor(method, args);
      const fault = rule?.fault;
      if (fault) hits.push({ atMs: Date.now(), method, fault: fault.kind });
      switch (fault?.kind) {
        case 'rateLimited':
          response
            .writeHead(429, {
              'content-type': 'application/json',
              'retry-after': String(fault.retryAfterSec),
            })
            .end(JSON.stringify({ ok: false, error: 'ratelimited' }));
          return;
        case 'serverError':
          response.writeHead(fault.status, { 'content-type': 'text/plain' }).end('Internal Server Error');
          return;
        case 'slackError':
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ ok: false, error: fault.error }));
          return;
        case 'reset':
          request.socket.resetAndDestroy();
          return;
        default:
      }
      const answer = await forward(request, body);
      if (fault?.kind === 'dropAfterForward') {
        request.socket.resetAndDestroy();
        return;
      }
      if (fault?.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (request.socket.destroyed) return;
      response.writeHead(answer.status, answer.headers).end(answer.body);
    } catch (error) {
      if (!response.headersSent && !request.socket.destroyed) {
        response.writeHead(502, { 'content-type': 'text/plain' }).end(`chaos proxy: ${String(error)}`);
      }
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const stopListening = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  return {
    url: `http://127.0.0.1:${port}/api/`,
    hits,
    inject(fault, scope) {
      const rule: Rule = {
        fault,
        scope,
        remaining: scope.times ?? Number.POSITIVE_INFINITY,
        untilMs: scope.forMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + scope.forMs,
        hits: 0,
      };
      rules.push(rule);
      return {
        hits: () => rule.hits,
        stop: () => {
          rule.remaining = 0;
        },
      };
    },
    async outage(ms) {
      down = true;
      hits.push({ atMs: Date.now(), method: '*', fault: 'refused' });
      await stopListening();
      await new Promise((resolve) => setTimeout(resolve, ms));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      down = false;
    },
    forwarded: () => forwarded,
    async close() {
      if (!down) await stopListening();
    },
  };
}
