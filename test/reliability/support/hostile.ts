/**
 * Hostile requests for the fuzz scenario: each is a category (what SPEC 4 says the answer must be), and either
 * an HTTP request sent with fetch, or raw bytes written to a socket (what fetch would refuse to send: request lines
 * Node cannot parse, bodies without a length). Generated deterministically from a seed; the random mutations of
 * valid envelopes come from fast-check with that seed.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { signSlackRequest } from '../../../functions/slack/verifySignature.js';
import { ADMIN_TOKEN, CHANNEL, SIGNING_SECRET } from '../../support/localServer.js';
import { pick, seededRandom } from './scenario.js';

/** An answer: an HTTP status, or what happened to the connection instead. */
export type Outcome = number | 'closed' | 'timeout';

export interface HostileRequest {
  category: string;
  /** The outcomes SPEC 4 allows for this category. */
  allowed: readonly Outcome[];
  send:
    | {
        kind: 'http';
        method: string;
        path: string;
        /** A function is called at send time: a signature's timestamp is then that of the send. */
        headers: Record<string, string> | (() => Record<string, string>);
        body?: string;
      }
    | { kind: 'raw'; bytes: Buffer | (() => Buffer) };
}

export interface FuzzContext {
  threadTs: string;
  /** A reply the prototype-named users 👍 and take back: its count must stay exact. */
  target: { ts: string; user: string };
  /** A reply the random mutations are made around. */
  mutationBase: { ts: string; user: string };
}

const nowSec = () => Math.floor(Date.now() / 1000);

/** Headers of a correctly signed Slack request over `body`. */
export function signedHeaders(body: string, timestampSec = nowSec()): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': String(timestampSec),
    'x-slack-signature': signSlackRequest(SIGNING_SECRET, timestampSec, body),
  };
}

let ids = 0;
const eventId = () => `EvFuzz${(++ids).toString(36).toUpperCase().padStart(6, '0')}`;

function envelope(event: Record<string, unknown>, id = eventId()): Record<string, unknown> {
  return {
    token: 'unused',
    team_id: 'T0TEAM',
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: id,
    event_time: nowSec(),
    event,
  };
}

const replyEvent = (user: string, ts: string, threadTs: string, text: string) => ({
  type: 'message',
  channel: CHANNEL,
  channel_type: 'channel',
  user,
  text,
  ts,
  thread_ts: threadTs,
  event_ts: ts,
});

const reactionEvent = (user: string, itemTs: string, itemUser: string, eventTs: string, added = true) => ({
  type: added ? 'reaction_added' : 'reaction_removed',
  user,
  reaction: '+1',
  item_user: itemUser,
  item: { type: 'message', channel: CHANNEL, ts: itemTs },
  event_ts: eventTs,
});

const signedEvent = (
  category: string,
  allowed: readonly Outcome[],
  body: unknown,
  extraHeaders: Record<string, string> = {},
): HostileRequest => {
  const raw = typeof body === 'string' ? body : (JSON.stringify(body) ?? 'null');
  return {
    category,
    allowed,
    send: {
      kind: 'http',
      method: 'POST',
      path: '/api/slack/events',
      headers: () => ({ ...signedHeaders(raw), ...extraHeaders }),
      body: raw,
    },
  };
};

const raw = (category: string, allowed: readonly Outcome[], text: string | Buffer): HostileRequest => ({
  category,
  allowed,
  send: { kind: 'raw', bytes: Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1') },
});

/** A Slack ts inside the thread's week, unique per call. */
function tsMaker(base: string) {
  const seconds = Number(base.split('.')[0]) + 3600;
  let micros = 0;
  return () => `${seconds}.${String(++micros).padStart(6, '0')}`;
}

export const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'isPrototypeOf',
];

/**
 * Mutations of a valid envelope: at some path, a value replaced by arbitrary JSON (or a nasty string or number),
 * a key deleted, or a key added; a tenth of them unsigned or with a broken signature.
 */
function mutationArbitrary() {
  const nasty = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom(
      '',
      '__proto__',
      'constructor',
      '1793577600.000100',
      '99999999999999999999.999999',
      '-1.5',
      '1e309',
      'NaN',
      '\u0000',
      '\ud800',
      '<https://velog.io.evil.example/x>',
      'https://velog.io/@a/b',
    ),
    fc.constantFrom(0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 53 + 1, 0.1),
    fc.constant(null),
  );
  return fc.record({
    template: fc.nat(),
    ops: fc.array(
      fc.record({ path: fc.nat(), op: fc.constantFrom('replace', 'delete', 'add'), value: nasty }),
      { minLength: 1, maxLength: 4 },
    ),
    signing: fc.constantFrom(
      'signed',
      'signed',
      'signed',
      'signed',
      'signed',
      'signed',
      'signed',
      'signed',
      'none',
      'bad',
    ),
  });
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path (as key lists) of `value`, root included. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const paths = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) paths.push(...pathsOf(v, [...prefix, i]));
  } else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths.push(...pathsOf(v, [...prefix, k]));
  return paths;
}

function mutate(base: Json, ops: { path: number; op: string; value: unknown }[]): Json {
  let doc = JSON.parse(JSON.stringify(base)) as Json;
  for (const { path, op, value } of ops) {
    const paths = pathsOf(doc);
    const at = paths[path % paths.length]!;
    if (at.length === 0) {
      if (op === 'replace') doc = value as Json;
      continue;
    }
    let parent = doc as Record<string | number, Json>;
    for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
    const key = at[at.length - 1]!;
    if (op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (op === 'add' && parent && typeof parent === 'object' && !Array.isArray(parent)) {
      // Defined as an own property, so a key named __proto__ is sent as such.
      Object.defineProperty(parent, String(value).slice(0, 20) || 'k', {
        value: value as Json,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else parent[key] = value as Json;
  }
  return doc;
}

/** `count` hostile requests, deterministic for `seed`. */
export function hostileRequests(seed: number, count: number, ctx: FuzzContext): HostileRequest[] {
  const random = seededRandom(seed);
  const nextTs = tsMaker(ctx.threadTs);
  const out: HostileRequest[] = [];
  const validReply = () =>
    envelope(replyEvent('U0FUZZ', nextTs(), ctx.threadTs, 'TIL <https://velog.io/@fuzz/x|글>'));

  // Missing, wrong and stale signatures: 401, nothing enqueued.
  for (let i = 0; i < 600; i++) {
    const body = JSON.stringify(validReply());
    const ts = nowSec();
    const variants: Record<string, string>[] = [
      { 'content-type': 'application/json' },
      { 'x-slack-request-timestamp': String(ts) },
      { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest('wrong', ts, body) },
      { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${'0'.repeat(64)}` },
      { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': 'v0=abc' },
      {
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': `v1=${signSlackRequest(SIGNING_SECRET, ts, body).slice(3)}`,
      },
      {
        'x-slack-request-timestamp': 'now',
        'x-slack-signature': signSlackRequest(SIGNING_SECRET, 'now', body),
      },
      {
        'x-slack-request-timestamp': `${ts}.5`,
        'x-slack-signature': signSlackRequest(SIGNING_SECRET, `${ts}.5`, body),
      },
      { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${'é'.repeat(64)}` },
    ];
    out.push({
      category: 'bad or missing signature',
      allowed: [401],
      send: {
        kind: 'http',
        method: 'POST',
        path: '/api/slack/events',
        headers: pick(variants, random),
        body,
      },
    });
  }
  for (let i = 0; i < 400; i++) {
    const body = JSON.stringify(validReply());
    // Future ones far enough ahead that the time the run takes cannot bring them inside the window.
    const skew = pick([301, 600, 3600, 86_400 * 365, -1800, -3600], random);
    out.push({
      category: 'stale or future timestamp',
      allowed: [401],
      send: {
        kind: 'http',
        method: 'POST',
        path: '/api/slack/events',
        headers: () => signedHeaders(body, nowSec() - skew),
        body,
      },
    });
  }
  // Bodies over 1 MiB, signed or not, with or without a length: 413 (or the connection closed), nothing read past it.
  const big = JSON.stringify(
    envelope(
      replyEvent('U0FUZZ', nextTs(), ctx.threadTs, `https://velog.io/@big/${'x'.repeat(1024 * 1024)}`),
    ),
  );
  // Unsigned, the missing signature may be answered first (401), without reading the body either.
  const oversized = (signed: boolean) =>
    signed
      ? (['body over 1 MiB (signed)', [413, 'closed']] as const)
      : (['body over 1 MiB (unsigned)', [401, 413, 'closed']] as const);
  for (let i = 0; i < 12; i++) {
    const [category, allowed] = oversized(i % 2 === 1);
    out.push({
      category,
      allowed,
      send: {
        kind: 'http',
        method: 'POST',
        path: '/api/slack/events',
        headers: i % 2 ? () => signedHeaders(big) : { 'content-type': 'application/json' },
        body: big,
      },
    });
  }
  for (let i = 0; i < 6; i++) {
    const chunk = 'a'.repeat(64 * 1024);
    const chunks = Array.from({ length: 18 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
    const [category, allowed] = oversized(i % 2 === 1);
    out.push({
      category,
      allowed,
      send: {
        kind: 'raw',
        bytes: () => {
          const ts = nowSec();
          const signature =
            i % 2
              ? `X-Slack-Request-Timestamp: ${ts}\r\nX-Slack-Signature: ${signSlackRequest(SIGNING_SECRET, ts, chunk.repeat(18))}\r\n`
              : '';
          return Buffer.from(
            `POST /api/slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${signature}Transfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`,
            'latin1',
          );
        },
      },
    });
  }
  // Signed, but not JSON, or not an envelope we know: 400.
  const malformed = [
    '',
    '{',
    '{"type":',
    'null',
    '[]',
    '"event_callback"',
    '{"type":"event_callback"}',
    '{"type":"event_callback","event_id":"Ev1","event":null}',
    '{"type":"event_callback","event_id":"Ev1","event":{"type":1}}',
    '{"type":"mystery"}',
    '\u0000\u0001',
    '{"type":"event_callback","event_id":"Ev1","event":{"type":"message","ts":"soon"}}',
    `{"type":"event_callback","event_id":"Ev1","event":{"type":"message","ts":"${'9'.repeat(40)}.1"}}`,
    '{"a":1,"a":2,"type":"url_verification"}',
    '\ufeff{"type":"url_verification","challenge":"x"}',
  ];
  for (let i = 0; i < 500; i++)
    out.push(signedEvent('malformed JSON or envelope', [400], pick(malformed, random)));
  // Nested deep: refused at the edge, or accepted and harmless; never a 5xx, never a broken consumer.
  for (const depth of [3_500, 4_000, 4_200, 10_000, 100_000]) {
    for (let i = 0; i < 4; i++) {
      const deep = '['.repeat(depth) + ']'.repeat(depth);
      const inner = JSON.stringify(validReply()).replace(/}$/, '');
      const body =
        i % 2 ? `${inner},"x":${deep}}` : `${inner.replace('"event":{', `"event":{"blocks":${deep},`)}}`;
      out.push(signedEvent(`JSON nested ${depth} deep`, depth >= 4_000 ? [400] : [200, 400], body));
    }
  }
  // event_id longer than Service Bus takes (128): 400, not 500.
  for (const length of [129, 200, 1_000, 100_000]) {
    for (let i = 0; i < 3; i++) {
      out.push(
        signedEvent(
          'event_id over 128 characters',
          [400],
          envelope(replyEvent('U0FUZZ', nextTs(), ctx.threadTs, 'x'), 'E'.repeat(length)),
        ),
      );
    }
  }
  // Prototype member names as user ids, event ids, reaction names: a user like any other, or refused (400).
  const reactTs = tsMaker(ctx.target.ts);
  for (const name of PROTOTYPE_NAMES) {
    const added = reactTs();
    const removed = reactTs();
    out.push(
      signedEvent(
        'prototype names',
        [200, 400],
        envelope(reactionEvent(name, ctx.target.ts, ctx.target.user, added)),
      ),
    );
    out.push(
      signedEvent(
        'prototype names',
        [200, 400],
        envelope(reactionEvent(name, ctx.target.ts, ctx.target.user, removed, false)),
      ),
    );
    out.push(
      signedEvent(
        'prototype names',
        [200, 400],
        envelope(replyEvent(name, nextTs(), ctx.threadTs, `https://velog.io/@x/${name}`)),
      ),
    );
    out.push(
      signedEvent(
        'prototype names',
        [200, 400],
        envelope(replyEvent('U0PROTO', nextTs(), ctx.threadTs, 'https://velog.io/@p/1'), name),
      ),
    );
    out.push(
      signedEvent(
        'prototype names',
        [200, 400],
        envelope({ ...reactionEvent('U0PROTOFAN', ctx.target.ts, name, reactTs()), reaction: name }),
      ),
    );
  }
  // Slack's longest texts (40,000) and forged longer ones (120,000), full of URL-like runs.
  // Shapes that make a backtracking URL pattern quadratic (bench/urlScan.ts), at 40,000 and 120,000 characters.
  const shapes = [
    (n: number) => 'a'.repeat(n),
    (n: number) => `http://a${'.'.repeat(n - 9)}x`,
    (n: number) => `https://a/${'.,;:!?)'.repeat(Math.floor(n / 7))}`,
    (n: number) => `<${'a'.repeat(n - 1)}`,
    (n: number) => 'https:'.repeat(Math.floor(n / 6)),
    (n: number) => 'http://a. '.repeat(Math.floor(n / 10)),
    (n: number) => '<https://x.github.io/|'.repeat(Math.floor(n / 22)),
    (n: number) => 'https://velog.io/@a/'.repeat(Math.floor(n / 20)),
  ];
  const longTexts = [40_000, 120_000].flatMap((n) => shapes.map((shape) => shape(n)));
  for (const text of longTexts) {
    // Slack's own maximum must be taken; a forged longer text may be refused.
    const forged = text.length > 40_000;
    out.push(
      signedEvent(
        `text of ${forged ? 'up to 120,000' : '40,000'} characters`,
        forged ? [200, 400] : [200],
        envelope(replyEvent('U0LONGTEXT', nextTs(), ctx.threadTs, text)),
      ),
    );
  }
  // Request lines and headers Node cannot parse or will not take: 400 / 431, or the connection closed.
  const lines = [
    'GET http://[/ HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
    'GET  / HTTP/1.1\r\n\r\n',
    'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
    '\u0000\u0001\u0002\u0003\r\n\r\n',
    'POST /api/slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    'POST /api/slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
    'POST /api/slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
    'GET / HTTP/1.1\r\nHo st: x\r\n\r\n',
    'GET /%%% HTTP/1.1\r\nHost: x\r\n\r\n',
    'BREW /coffee HTCPCP/1.0\r\n\r\n',
    'GET http://user:pass@[::1]:99999/ HTTP/1.1\r\nHost: x\r\n\r\n',
  ];
  for (let i = 0; i < 150; i++)
    out.push(raw('unparsable request line or header', [200, 400, 404, 'closed'], pick(lines, random)));
  for (const size of [20_000, 70_000, 200_000]) {
    for (let i = 0; i < 4; i++) {
      out.push(
        i % 2
          ? raw(
              'header over the limit',
              [400, 431, 'closed'],
              `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(size)}\r\n\r\n`,
            )
          : raw(
              'header over the limit',
              [400, 431, 'closed'],
              `GET /api/stats?month=${'1'.repeat(size)} HTTP/1.1\r\nHost: x\r\n\r\n`,
            ),
      );
    }
  }
  // Operator ticks at absurd instants, badly formed or unauthorised: 400 / 401 / 413, never 5xx, never a post.
  const tickBodies: [string, readonly Outcome[], string?][] = [
    ['{"now":"0001-01-01T00:00:00Z"}', [400]],
    ['{"now":"1999-12-31T23:59:59Z"}', [400]],
    ['{"now":"9999-12-31T23:59:59Z"}', [400]],
    ['{"now":"+275760-09-13T00:00:00Z"}', [400]],
    ['{"now":"-000001-01-01T00:00:00Z"}', [400]],
    // Not a date, but Date.parse reads it as 2 March: a tick for that week, which is within a year.
    ['{"now":"2026-02-30T09:00:00+09:00"}', [200, 400]],
    ['{"now":"2026-11-23T09:00:00+25:00"}', [400]],
    ['{"now":1793577600}', [400]],
    ['{"now":null}', [400]],
    ['{"now":"__proto__"}', [400]],
    ['{"__proto__":{"now":"2026-11-23T09:00:00Z"}}', [400]],
    ['[', [400]],
    ['', [400]],
    [`{"now":"${'9'.repeat(5000)}"}`, [400, 413]],
    ['{"now":"2026-11-23T09:00:00Z"}', [401], 'Bearer wrong-token-0123456789'],
    ['{"now":"2026-11-23T09:00:00Z"}', [401], ''],
  ];
  for (let i = 0; i < 200; i++) {
    const [body, allowed, auth] = pick(tickBodies, random);
    out.push({
      category: 'ticks at absurd instants, malformed or unauthorised',
      allowed,
      send: {
        kind: 'http',
        method: 'POST',
        path: '/api/admin/tick',
        headers: { 'content-type': 'application/json', authorization: auth ?? `Bearer ${ADMIN_TOKEN}` },
        body,
      },
    });
  }
  // The read API and other routes with nonsense: 400 / 404 / 405, never 5xx.
  const reads = [
    '/api/stats?month=2026-13',
    '/api/stats?month=0000-01',
    '/api/stats?month=9999-12',
    '/api/stats?month=__proto__',
    '/api/stats?month=constructor',
    '/api/stats?month=',
    '/api/stats',
    '/api/stats?month=2026-11&month=2026-10',
    '/api/stats?month=%E0%A4%A',
    `/api/stats?month=${'2'.repeat(3000)}`,
    '/api/months?x=__proto__',
    '/api/history?__proto__=1',
    '/api/../../../etc/passwd',
    '/..%2f..%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/api/%00',
    '//api//stats',
    '/index.html%00.js',
    '/assets/%E0%A4%A',
  ];
  for (let i = 0; i < 400; i++) {
    const method = pick(['GET', 'GET', 'GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH'], random);
    out.push({
      category: 'read API and other routes',
      allowed: [200, 204, 400, 404, 405],
      send: { kind: 'http', method, path: pick(reads, random), headers: {} },
    });
  }
  // The rest: random mutations of valid envelopes (fast-check, same seed).
  const templates: Json[] = [
    validReply() as Json,
    envelope(reactionEvent('U0MUTFAN', ctx.mutationBase.ts, ctx.mutationBase.user, nextTs())) as Json,
    envelope(reactionEvent('U0MUTFAN', ctx.mutationBase.ts, ctx.mutationBase.user, nextTs(), false)) as Json,
    envelope({
      type: 'message',
      subtype: 'message_changed',
      channel: CHANNEL,
      hidden: true,
      ts: nextTs(),
      event_ts: nextTs(),
      message: {
        type: 'message',
        user: ctx.mutationBase.user,
        text: 'https://velog.io/@m/1',
        ts: ctx.mutationBase.ts,
        thread_ts: ctx.threadTs,
      },
    }) as Json,
    envelope({
      type: 'message',
      subtype: 'message_deleted',
      channel: CHANNEL,
      hidden: true,
      deleted_ts: nextTs(),
      ts: nextTs(),
      event_ts: nextTs(),
      previous_message: { type: 'message', ts: nextTs(), thread_ts: ctx.threadTs },
    }) as Json,
    { type: 'url_verification', token: 'x', challenge: 'c' },
    { type: 'app_rate_limited', minute_rate_limited: 1, team_id: 'T0TEAM', api_app_id: 'A0APP' },
    envelope({ type: 'app_home_opened', user: 'U0HOME', channel: 'D0HOME', event_ts: nextTs() }) as Json,
  ];
  const samples = fc.sample(mutationArbitrary(), { seed, numRuns: Math.max(0, count - out.length) });
  for (const sample of samples) {
    const template = templates[sample.template % templates.length]!;
    let mutated = mutate(template, sample.ops);
    // Keep event ids unique, or duplicate detection would swallow most of them.
    if (
      mutated &&
      typeof mutated === 'object' &&
      !Array.isArray(mutated) &&
      typeof mutated.event_id === 'string'
    ) {
      mutated = { ...mutated, event_id: eventId() };
    }
    const body = JSON.stringify(mutated) ?? 'undefined';
    const headers = () =>
      sample.signing === 'signed'
        ? signedHeaders(body)
        : sample.signing === 'bad'
          ? {
              ...signedHeaders(body),
              'x-slack-signature': signSlackRequest('not-the-secret', nowSec(), body),
            }
          : { 'content-type': 'application/json' };
    out.push({
      category: `mutated envelope (${sample.signing === 'signed' ? 'signed' : 'unsigned or bad signature'})`,
      allowed: sample.signing === 'signed' ? [200, 400] : [401],
      send: { kind: 'http', method: 'POST', path: '/api/slack/events', headers, body },
    });
  }
  return out;
}

/** Sends one hostile request; resolves with the status, or what became of the connection. */
export async function sendHostile(
  baseUrl: string,
  request: HostileRequest,
  timeoutMs = 15_000,
): Promise<Outcome> {
  const { send } = request;
  if (send.kind === 'http') {
    try {
      const res = await fetch(`${baseUrl}${send.path}`, {
        method: send.method,
        headers: typeof send.headers === 'function' ? send.headers() : send.headers,
        body: send.method === 'GET' || send.method === 'HEAD' ? undefined : send.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.status;
    } catch (error) {
      return (error as Error).name === 'TimeoutError' ? 'timeout' : 'closed';
    }
  }
  const { port, hostname } = new URL(baseUrl);
  return new Promise<Outcome>((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
      resolve(status ? Number(status) : 'closed');
    };
    socket.on('connect', () => socket.end(typeof send.bytes === 'function' ? send.bytes() : send.bytes));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/.test(answer)) {
        socket.destroy();
        done();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', done);
  });
}

/**
 * A client that stalls: it sends part of a request (a request line, some headers, part of a body) and then
 * nothing. Resolves with what the server did about it: an answer (408) or closing the connection.
 */
export function stallingClient(
  baseUrl: string,
  part: string,
): { settled: Promise<{ outcome: Outcome; afterMs: number }> } {
  const { port, hostname } = new URL(baseUrl);
  const started = Date.now();
  const settled = new Promise<{ outcome: Outcome; afterMs: number }>((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    let finished = false;
    const finish = (outcome: Outcome) => {
      if (finished) return;
      finished = true;
      socket.destroy();
      resolve({ outcome, afterMs: Date.now() - started });
    };
    socket.on('connect', () => socket.write(part));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
      if (status) finish(Number(status));
    });
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    setTimeout(() => finish('timeout'), 120_000).unref();
  });
  return { settled };
}

export const STALLS = [
  'GET /api/health HTTP/1.1\r\nHost: x\r\n',
  'POST /api/slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"type":',
  'GE',
  'POST /api/admin/tick HTTP/1.1\r\nHost: x\r\nX-Slow: aaaa',
];
