/**
 * POST /api/slack/events through the handler both hosts use (createServices), against SPEC 3 and every row of
 * the bad-input table that concerns it: what it answers, and what it put on the queue.
 */
import azureFunctions from '@azure/functions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDryRunSlack } from '../../functions/adapters/slack/dryRunSlack.js';
import { type QueuedEvent, queuedEventSchema } from '../../functions/app/queuedEvent.js';
import { BodyTooLargeError, MAX_BODY_BYTES, readBodyWithLimit } from '../../functions/handlers/readBody.js';
import { localHttpRequest } from '../../functions/local/localRequest.js';
import { NodeHeaders } from '../../functions/local/nodeHeaders.js';
import { normalizeEvent, type RawSlackEvent } from '../../functions/slack/envelope.js';
import { slimEvent } from '../../functions/slack/slimEvent.js';
import { signSlackRequest } from '../../functions/slack/verifySignature.js';
import { deletion, edit, reaction, reply } from '../support/slackPayloads.js';
import { CHANNEL, type Harness, harness, invocationContext, request, SECRET, tsAt } from './helpers.js';

const { HttpRequest } = azureFunctions;

/** Wednesday 2026-12-02 10:00 in Seoul: in the week of Monday 2026-11-30, which belongs to November. */
const NOW_MS = Date.parse('2026-12-02T10:00:00+09:00');
const NOW_SEC = Math.floor(NOW_MS / 1000);
const PATH = '/api/slack/events';

let h: Harness;
let logLines: string[];
beforeEach(async () => {
  h = await harness({ slack: createDryRunSlack(() => {}), now: () => NOW_MS });
  logLines = [];
});
afterEach(async () => {
  await h.dispose();
});

function signedHeaders(raw: string | Uint8Array, timestampSec = NOW_SEC, secret = SECRET) {
  const timestamp = String(timestampSec);
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signSlackRequest(secret, timestamp, Buffer.from(raw)),
  };
}

/** The request each host hands the handler: the Functions host's own, and npm start's (body read before). */
const hosts = {
  'the Functions host': (raw: string | Uint8Array, headers: Record<string, string>) =>
    request({ method: 'POST', path: PATH, headers, body: raw }),
  'npm start': (raw: string | Uint8Array, headers: Record<string, string>) =>
    localHttpRequest({
      method: 'POST',
      url: new URL(PATH, 'http://localhost'),
      headers: new NodeHeaders(headers),
      bytes: Buffer.from(raw),
    }),
};
type Host = keyof typeof hosts;

function post(raw: string | Uint8Array, headers: Record<string, string>) {
  return postVia(raw, headers, 'the Functions host');
}

function postVia(raw: string | Uint8Array, headers: Record<string, string>, host: Host) {
  return h.services.slackEvents(hosts[host](raw, headers), invocationContext('slack-events', logLines));
}

const postSigned = (body: unknown, extraHeaders: Record<string, string> = {}) => {
  const raw = JSON.stringify(body);
  return post(raw, { ...signedHeaders(raw), ...extraHeaders });
};

const THREAD_TS = tsAt('2026-11-30T09:00:00+09:00', 100);

function aReply(overrides: { ts?: string; eventId?: string } = {}) {
  return reply({
    user: 'U0AAA',
    ts: overrides.ts ?? tsAt('2026-12-02T09:30:00+09:00', 200),
    threadTs: THREAD_TS,
    text: '오늘의 TIL <https://velog.io/@aaa/til-1>',
    eventId: overrides.eventId,
  });
}

describe.each(Object.keys(hosts) as Host[])(
  'slack-events: signature and timestamp (401, nothing enqueued), request from %s',
  (host) => {
    const raw = JSON.stringify(aReply());
    const post = (body: string, headers: Record<string, string>) => postVia(body, headers, host);

    it('rejects a request without a signature', async () => {
      const { 'x-slack-signature': _, ...headers } = signedHeaders(raw);
      const response = await post(raw, headers);
      expect(response.status).toBe(401);
      expect(h.queue.sent).toEqual([]);
    });

    it('rejects a request without a timestamp', async () => {
      const { 'x-slack-request-timestamp': _, ...headers } = signedHeaders(raw);
      const response = await post(raw, headers);
      expect(response.status).toBe(401);
      expect(h.queue.sent).toEqual([]);
    });

    it('rejects a signature made with another secret', async () => {
      const response = await post(raw, signedHeaders(raw, NOW_SEC, 'some-other-signing-secret'));
      expect(response.status).toBe(401);
      expect(h.queue.sent).toEqual([]);
      expect(logLines.some((line) => line.startsWith('warning') && line.includes('signature'))).toBe(true);
    });

    it('rejects a valid signature over other bytes (body altered in transit)', async () => {
      const headers = signedHeaders(raw);
      const response = await post(raw.replace('U0AAA', 'U0BBB'), headers);
      expect(response.status).toBe(401);
      expect(h.queue.sent).toEqual([]);
    });

    it('rejects a malformed or truncated signature', async () => {
      const good = signedHeaders(raw);
      for (const signature of [good['x-slack-signature'].slice(0, -2), 'v1=abc', '', 'v0=']) {
        const response = await post(raw, { ...good, 'x-slack-signature': signature });
        expect(response.status, signature).toBe(401);
      }
      expect(h.queue.sent).toEqual([]);
    });

    it.each([
      ['stale (-301 s)', -301],
      ['future (+301 s)', 301],
    ])('rejects a %s timestamp even when correctly signed', async (_, offset) => {
      const response = await post(raw, signedHeaders(raw, NOW_SEC + offset));
      expect(response.status).toBe(401);
      expect(h.queue.sent).toEqual([]);
    });

    it.each([
      ['-299 s', -299],
      ['+299 s', 299],
    ])('accepts a timestamp %s away', async (_, offset) => {
      const response = await post(raw, signedHeaders(raw, NOW_SEC + offset));
      expect(response.status).toBe(200);
      expect(h.queue.sent).toHaveLength(1);
    });
  },
);

describe('slack-events: body size (413)', () => {
  /** A correctly signed event_callback padded with JSON whitespace to exactly `size` bytes. */
  function paddedEnvelope(size: number): string {
    const json = JSON.stringify(aReply());
    return json + ' '.repeat(size - Buffer.byteLength(json));
  }

  it('accepts a signed body of exactly 1 MiB', async () => {
    const raw = paddedEnvelope(MAX_BODY_BYTES);
    const response = await post(raw, signedHeaders(raw));
    expect(response.status).toBe(200);
    expect(h.queue.sent).toHaveLength(1);
  });

  it('answers 413 to a signed body one byte over 1 MiB and enqueues nothing', async () => {
    const raw = paddedEnvelope(MAX_BODY_BYTES + 1);
    const response = await post(raw, signedHeaders(raw));
    expect(response.status).toBe(413);
    expect(h.queue.sent).toEqual([]);
  });

  it('answers 413 from the declared content-length alone', async () => {
    const raw = JSON.stringify(aReply());
    const response = await post(raw, { ...signedHeaders(raw), 'content-length': String(MAX_BODY_BYTES + 1) });
    expect(response.status).toBe(413);
    expect(h.queue.sent).toEqual([]);
  });

  /** A 4 MiB body that is produced only as it is read, counting the bytes pulled from it. */
  function countingStream() {
    const chunk = 64 * 1024;
    const total = 4 * MAX_BODY_BYTES;
    const counter = { pulled: 0, done: false };
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (counter.pulled >= total) {
            counter.done = true;
            controller.close();
            return;
          }
          counter.pulled += chunk;
          controller.enqueue(new Uint8Array(chunk).fill(0x20));
        },
      },
      { highWaterMark: 0 },
    );
    return { stream, counter, chunk };
  }

  /** An HttpRequest over a streaming body; the library builds one like this from the host's stream. */
  function streamingRequest(stream: ReadableStream<Uint8Array>, headers: Record<string, string>) {
    const nativeRequest = new Request(`http://localhost:7071${PATH}`, {
      method: 'POST',
      headers,
      body: stream,
      duplex: 'half',
    } as RequestInit);
    // `nativeRequest` is the library's internal init field for streamed bodies; not in the public types.
    return new HttpRequest({ nativeRequest } as unknown as azureFunctions.HttpRequestInit);
  }

  it('answers 413 to a body that lies with a small content-length, and stops reading past the limit', async () => {
    const { stream, counter, chunk } = countingStream();
    const headers = {
      'content-length': '120',
      'x-slack-request-timestamp': String(NOW_SEC),
      'x-slack-signature': `v0=${'0'.repeat(64)}`,
    };
    const response = await h.services.slackEvents(
      streamingRequest(stream, headers),
      invocationContext('slack-events', logLines),
    );
    expect(response.status).toBe(413);
    expect(h.queue.sent).toEqual([]);
    expect(counter.done).toBe(false);
    // The limit, plus at most the chunk that crossed it and one read ahead.
    expect(counter.pulled).toBeLessThanOrEqual(MAX_BODY_BYTES + 2 * chunk);
  });

  it('readBodyWithLimit reads a streamed body up to the limit exactly, and not one byte more', async () => {
    const limit = 1000;
    const under = streamingRequest(
      new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array(600).fill(1));
          controller.enqueue(new Uint8Array(400).fill(2));
          controller.close();
        },
      }),
      {},
    );
    expect((await readBodyWithLimit(under, limit)).byteLength).toBe(limit);

    const { stream, counter, chunk } = countingStream();
    await expect(readBodyWithLimit(streamingRequest(stream, {}), 10 * chunk)).rejects.toBeInstanceOf(
      BodyTooLargeError,
    );
    expect(counter.pulled).toBeLessThanOrEqual(12 * chunk);
  });

  it.each([
    ['without a signature', { 'x-slack-request-timestamp': String(NOW_SEC) }],
    ['without a timestamp', { 'x-slack-signature': `v0=${'0'.repeat(64)}` }],
    [
      'with a stale timestamp',
      { 'x-slack-request-timestamp': String(NOW_SEC - 301), 'x-slack-signature': `v0=${'0'.repeat(64)}` },
    ],
    [
      'with a malformed signature',
      { 'x-slack-request-timestamp': String(NOW_SEC), 'x-slack-signature': 'v0=not-hex' },
    ],
  ])('#16: answers 401 to a 1 MiB request %s before reading a byte of its body', async (_, headers) => {
    const { stream, counter } = countingStream();
    const response = await h.services.slackEvents(
      streamingRequest(stream, { ...headers, 'content-length': String(MAX_BODY_BYTES) }),
      invocationContext('slack-events', logLines),
    );
    expect(response.status).toBe(401);
    expect(counter.pulled).toBe(0);
    expect(h.queue.sent).toEqual([]);
  });
});

function withEvent<T extends { event: Record<string, unknown> }>(
  envelope: T,
  fields: Record<string, unknown>,
): T {
  return { ...envelope, event: { ...envelope.event, ...fields } };
}

describe('slack-events: malformed input with a valid signature (400, nothing enqueued)', () => {
  it.each([
    ['truncated JSON', '{"type":"event_callback","event_id":'],
    ['not JSON at all', 'token=abc&type=event_callback'],
    ['an empty body', ''],
  ])('answers 400 to %s', async (_, raw) => {
    const response = await post(raw, signedHeaders(raw));
    expect(response.status).toBe(400);
    expect(h.queue.sent).toEqual([]);
  });

  it.each([
    ['an unknown envelope type', { type: 'block_actions', actions: [] }],
    ['a JSON array', [1, 2]],
    ['JSON null', null],
    ['an event_callback without event_id', { type: 'event_callback', event: { type: 'message', ts: '1.2' } }],
    ['an event_callback without event', { type: 'event_callback', event_id: 'Ev1' }],
    ['a url_verification without challenge', { type: 'url_verification' }],
    [
      'a reply whose ts has seven decimals (the calendar reads at most six)',
      withEvent(aReply(), { ts: '1793577600.1234567', event_ts: '1793577600.1234567' }),
    ],
    ['a reply whose ts is not a ts, even with a valid event_ts', withEvent(aReply(), { ts: 'abc' })],
    ['a ts beyond any calendar', withEvent(aReply(), { ts: '99999999999999.000001', event_ts: undefined })],
    [
      'an event about no message with an event_time beyond any calendar',
      { type: 'event_callback', event_id: 'Ev1', event_time: 1e21, event: { type: 'app_uninstalled' } },
    ],
  ])('answers 400 to %s', async (_, body) => {
    const response = await postSigned(body);
    expect(response.status).toBe(400);
    expect(h.queue.sent).toEqual([]);
  });
});

describe('slack-events: answered without the queue', () => {
  it('answers url_verification with the challenge', async () => {
    const challenge = '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P';
    const response = await postSigned({ token: 'unused', challenge, type: 'url_verification' });
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({ challenge });
    expect(h.queue.sent).toEqual([]);
  });

  it('does not answer url_verification without a valid signature', async () => {
    const raw = JSON.stringify({ challenge: 'abc', type: 'url_verification' });
    const response = await post(raw, signedHeaders(raw, NOW_SEC, 'wrong-secret'));
    expect(response.status).toBe(401);
    expect(response.jsonBody).toBeUndefined();
  });

  it('answers app_rate_limited with 200 and enqueues nothing', async () => {
    const response = await postSigned({
      token: 'unused',
      type: 'app_rate_limited',
      team_id: 'T0TEAM',
      minute_rate_limited: 1518467820,
      api_app_id: 'A0APP',
    });
    expect(response.status).toBe(200);
    expect(h.queue.sent).toEqual([]);
  });
});

describe('slack-events: event_callback is enqueued once, by routing month', () => {
  it('enqueues a reply with messageId = event_id, session = its week’s month, and what the consumer reads', async () => {
    // The reply is on Wednesday 2 December, in the week of Monday 30 November: November's session.
    const envelope = aReply();
    const response = await postSigned(envelope);
    expect(response.status).toBe(200);
    expect(h.queue.sent).toHaveLength(1);
    const [message] = h.queue.sent;
    expect(message).toMatchObject({
      messageId: envelope.event_id,
      sessionId: '2026-11',
      contentType: 'application/json',
      body: { eventId: envelope.event_id, event: slimEvent(envelope.event as RawSlackEvent) },
    });
    expect(Object.keys(message!.body as object).sort()).toEqual(['event', 'eventId']);
    // The consumer's own schema accepts what the HTTP side sent.
    expect(queuedEventSchema.safeParse(message!.body).success).toBe(true);
  });

  it('routes a reply on the Monday of the next month’s first week to that month', async () => {
    await postSigned(aReply({ ts: tsAt('2026-12-07T00:00:00+09:00', 1) }));
    await postSigned(aReply({ ts: tsAt('2026-12-06T23:59:59+09:00', 999999) }));
    expect(h.queue.sent.map((m) => m.sessionId)).toEqual(['2026-12', '2026-11']);
  });

  it('routes by the configured time zone, not UTC: Monday 7 Dec 00:30 in Seoul is still Sunday in UTC', async () => {
    // 2026-12-07T00:30+09:00 = 2026-12-06T15:30Z: in UTC that is the week of 30 November.
    await postSigned(aReply({ ts: tsAt('2026-12-07T00:30:00+09:00', 1) }));
    expect(h.queue.sent[0]?.sessionId).toBe('2026-12');
  });

  it('routes a reaction by the item it is on, not by when it happened', async () => {
    const envelope = reaction({
      user: 'U0BBB',
      itemUser: 'U0AAA',
      itemTs: tsAt('2026-11-25T12:00:00+09:00', 5),
      // Tuesday 8 December: December's second week.
      eventTs: tsAt('2026-12-08T12:00:00+09:00', 6),
    });
    expect((await postSigned(envelope)).status).toBe(200);
    expect(h.queue.sent).toMatchObject([{ messageId: envelope.event_id, sessionId: '2026-11' }]);
  });

  it('routes an edit by message.ts and a delete by deleted_ts', async () => {
    const replyTs = tsAt('2026-11-24T12:00:00+09:00', 7);
    const later = tsAt('2026-12-08T12:00:00+09:00', 8);
    const edited = edit({ user: 'U0AAA', ts: replyTs, threadTs: THREAD_TS, text: 'x', editedTs: later });
    const deleted = deletion({ ts: replyTs, threadTs: THREAD_TS, eventTs: later });
    expect((await postSigned(edited)).status).toBe(200);
    expect((await postSigned(deleted)).status).toBe(200);
    expect(h.queue.sent.map((m) => [m.messageId, m.sessionId])).toEqual([
      [edited.event_id, '2026-11'],
      [deleted.event_id, '2026-11'],
    ]);
  });

  it('enqueues events the consumer will ignore (other channel, unknown type): filtering is not its job', async () => {
    const otherChannel = aReply();
    otherChannel.event.channel = 'C0OTHER';
    const unknownType = {
      type: 'event_callback',
      event_id: 'Ev0UNKNOWN',
      event_time: NOW_SEC,
      event: {
        type: 'app_mention',
        user: 'U0AAA',
        text: 'hi',
        ts: tsAt('2026-12-02T10:00:00+09:00', 1),
        event_ts: tsAt('2026-12-02T10:00:00+09:00', 1),
      },
    };
    expect((await postSigned(otherChannel)).status).toBe(200);
    expect((await postSigned(unknownType)).status).toBe(200);
    expect(h.queue.sent.map((m) => m.messageId)).toEqual([otherChannel.event_id, 'Ev0UNKNOWN']);
  });

  it('sends a Slack retry with the same messageId, so the queue can drop the duplicate', async () => {
    const envelope = aReply();
    expect((await postSigned(envelope)).status).toBe(200);
    const retried = await postSigned(envelope, {
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(retried.status).toBe(200);
    expect(h.queue.sent.map((m) => m.messageId)).toEqual([envelope.event_id, envelope.event_id]);
    expect(h.queue.sent[1]?.sessionId).toBe(h.queue.sent[0]?.sessionId);
    expect(h.queue.sent[1]?.body).toEqual(h.queue.sent[0]?.body);
    expect(h.queue.sent.map((m) => m.applicationProperties?.retryNum)).toEqual([0, 1]);
  });

  it('fails the request when the queue refuses the message, so Slack retries it', async () => {
    // Decision: the handler throws; the Functions host (and the local server) answer 500, and Slack retries.
    h.queue.failWith(new Error('ServiceBusError: ServiceUnavailable'));
    await expect(postSigned(aReply())).rejects.toThrow(/ServiceUnavailable/);
    expect(h.queue.sent).toEqual([]);
  });

  it('queues only what the consumer reads: a 40,000-character Korean reply, edited, stays far under 256 KB', async () => {
    const text =
      `오늘 배운 것 <https://velog.io/@aaa/til|글> ${'가나다라마바사아자차카타파하'.repeat(3000)}`.slice(
        0,
        40_000,
      );
    const richText = [
      { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }] },
    ];
    const ts = tsAt('2026-12-02T10:00:00+09:00', 1);
    const editedTs = tsAt('2026-12-02T10:05:00+09:00', 2);
    const envelope = edit({
      user: 'U0AAA',
      ts,
      threadTs: tsAt('2026-11-30T09:00:00+09:00', 100),
      text,
      editedTs,
    });
    Object.assign(envelope.event.message as object, {
      blocks: [
        ...richText,
        { type: 'rich_text', elements: [{ type: 'link', url: 'https://velog.io/@aaa/til' }] },
      ],
    });
    Object.assign(envelope.event.previous_message as object, { text, blocks: richText });
    const raw = Buffer.byteLength(JSON.stringify(envelope));
    expect(raw).toBeGreaterThan(256 * 1024);
    expect((await postSigned(envelope)).status).toBe(200);
    const queued = Buffer.byteLength(JSON.stringify(h.queue.sent[0]?.body));
    expect(queued).toBeLessThan(160 * 1024);
    const normalize = (event: unknown) => normalizeEvent(event, envelope.event_id, { channelId: CHANNEL });
    expect(normalize((h.queue.sent[0]!.body as QueuedEvent).event)).toStrictEqual(normalize(envelope.event));
  });
});

describe('slack-events: what the queue and the consumer could not take (400, nothing enqueued)', () => {
  /** `envelope` sent with its event's `blocks` nested `depth` arrays deep, built as text (no recursion). */
  function postNested(depth: number) {
    const envelope = withEvent(aReply(), { blocks: '__NESTED__' });
    const raw = JSON.stringify(envelope).replace('"__NESTED__"', `${'['.repeat(depth)}${']'.repeat(depth)}`);
    return post(raw, signedHeaders(raw));
  }

  it('#11: answers 400 to an event_id over 128 characters (the queue id limit), 200 to one of 128', async () => {
    const tooLong = await postSigned(aReply({ eventId: `Ev${'A'.repeat(127)}` }));
    expect(tooLong.status).toBe(400);
    expect(h.queue.sent).toEqual([]);
    const longest = await postSigned(aReply({ eventId: `Ev${'A'.repeat(126)}` }));
    expect(longest.status).toBe(200);
    expect(h.queue.sent).toHaveLength(1);
  });

  it('#11: answers 400 to an event_id with spaces or control characters', async () => {
    for (const eventId of ['Ev 1', 'Ev\n1', 'Ev\u00001']) {
      expect((await postSigned(aReply({ eventId }))).status, JSON.stringify(eventId)).toBe(400);
    }
    expect(h.queue.sent).toEqual([]);
  });

  it.each([70, 3_500, 4_000, 100_000])('#11: answers 400 to JSON nested %i deep', async (depth) => {
    const response = await postNested(depth);
    expect(response.status).toBe(400);
    expect(response.body).toMatch(/nested/);
    expect(h.queue.sent).toEqual([]);
  });

  it('#11: accepts the nesting real messages have (lists in lists in rich text)', async () => {
    expect((await postNested(40)).status).toBe(200);
    expect(h.queue.sent).toHaveLength(1);
  });

  it('#11: brackets inside strings are text, not nesting', async () => {
    const deepLookingText = `${'[{'.repeat(5_000)} \\" ${'}]'.repeat(5_000)}`;
    expect((await postSigned(withEvent(aReply(), { text: deepLookingText }))).status).toBe(200);
  });

  it.each([
    ['a reaction by a user id named like a prototype member', 'user', '__proto__'],
    ['a reaction by "constructor"', 'user', 'constructor'],
    ['a reaction by a lowercase id', 'user', 'u0bbb'],
    ['a reaction by an id of 300 characters', 'user', `U${'A'.repeat(299)}`],
    ['a reaction on an item by "toString"', 'item_user', 'toString'],
  ])('#12: answers 400 to %s', async (_, field, value) => {
    const envelope = reaction({
      user: 'U0BBB',
      itemUser: 'U0AAA',
      itemTs: tsAt('2026-12-02T09:30:00+09:00', 200),
      eventTs: tsAt('2026-12-02T10:00:00+09:00', 6),
    });
    const response = await postSigned(withEvent(envelope, { [field]: value }));
    expect(response.status).toBe(400);
    expect(h.queue.sent).toEqual([]);
  });

  it.each([
    ['a message by "__proto__"', { user: '__proto__' }],
    ['a message in a channel named "constructor"', { channel: 'constructor' }],
  ])('#12: answers 400 to %s', async (_, fields) => {
    expect((await postSigned(withEvent(aReply(), fields))).status).toBe(400);
    expect(h.queue.sent).toEqual([]);
  });

  it('#12: accepts every id format Slack sends (U…, W… on Enterprise Grid, USLACKBOT, D… and G… channels)', async () => {
    const ids = [
      { user: 'U0123ABCD' },
      { user: 'U01234567890ABCDEF' },
      { user: 'W0123ABCD' },
      { user: 'USLACKBOT' },
      { channel: 'G0123ABCD' },
      { channel: 'D0123ABCD' },
    ];
    for (const fields of ids) {
      expect((await postSigned(withEvent(aReply(), fields))).status, JSON.stringify(fields)).toBe(200);
    }
    expect(h.queue.sent).toHaveLength(ids.length);
  });
});
