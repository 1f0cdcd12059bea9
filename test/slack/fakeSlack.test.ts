import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';

let fake: FakeSlack;
beforeEach(async () => {
  fake = await startFakeSlack({ now: () => Date.UTC(2026, 10, 2, 0, 0, 0) });
});
afterEach(async () => {
  await fake.close();
});

async function post(method: string, body: string, contentType: string, token = 'xoxb-any') {
  const response = await fetch(`${fake.url}${method}`, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('fake Slack Web API', () => {
  it('serves on loopback under /api/', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('decodes JSON-encoded form fields and JSON bodies alike', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '[x]' } }];
    const form = new URLSearchParams({ channel: 'C1', text: '[not json]', blocks: JSON.stringify(blocks) });
    await post('chat.postMessage', form.toString(), 'application/x-www-form-urlencoded');
    await post('chat.postMessage', JSON.stringify({ channel: 'C1', text: 'hi', blocks }), 'application/json');
    expect(fake.calls.map((call) => call.args)).toEqual([
      { channel: 'C1', text: '[not json]', blocks },
      { channel: 'C1', text: 'hi', blocks },
    ]);
  });

  it('stamps messages with increasing ts from its clock', async () => {
    const first = await post('chat.postMessage', 'channel=C1&text=a', 'application/x-www-form-urlencoded');
    const second = await post('chat.postMessage', 'channel=C1&text=b', 'application/x-www-form-urlencoded');
    expect(first.json).toMatchObject({ ok: true, channel: 'C1', ts: '1793577600.000000' });
    expect(second.json).toMatchObject({ ok: true, ts: '1793577600.000001' });
  });

  it('answers unknown methods and missing auth like Slack', async () => {
    expect((await post('chat.scheduleMessage', '', 'application/x-www-form-urlencoded')).json).toEqual({
      ok: false,
      error: 'unknown_method',
    });
    const response = await fetch(`${fake.url}auth.test`, { method: 'POST' });
    expect(await response.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('rejects another token when one is configured', async () => {
    const strict = await startFakeSlack({ token: 'xoxb-right' });
    try {
      const wrong = await fetch(`${strict.url}auth.test`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-wrong' },
      });
      const right = await fetch(`${strict.url}auth.test`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-right' },
      });
      expect(await wrong.json()).toEqual({ ok: false, error: 'invalid_auth' });
      expect(await right.json()).toMatchObject({ ok: true, user_id: 'UBOT' });
    } finally {
      await strict.close();
    }
  });

  it('fails the next calls of a method as told, then recovers', async () => {
    fake.failNext('users.info', { status: 429, retryAfterSec: 7 });
    fake.failNext('users.info', { error: 'user_not_found' });
    const limited = await fetch(`${fake.url}users.info`, { method: 'POST', body: 'user=U1' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await post('users.info', 'user=U1', 'application/x-www-form-urlencoded')).json).toEqual({
      ok: false,
      error: 'user_not_found',
    });
    expect((await post('users.info', 'user=U1', 'application/x-www-form-urlencoded')).json).toMatchObject({
      ok: true,
    });
    expect(fake.calls.map((call) => call.ok)).toEqual([false, false, true]);
  });

  it('waitFor resolves on a past or a later call, and times out naming what it saw', async () => {
    await post('auth.test', '', 'application/x-www-form-urlencoded');
    await expect(fake.waitFor((call) => call.method === 'auth.test')).resolves.toMatchObject({ ok: true });
    const later = fake.waitFor(
      (call) => call.method === 'chat.postMessage' && call.args.text === 'late',
      2_000,
    );
    await post('chat.postMessage', 'channel=C1&text=late', 'application/x-www-form-urlencoded');
    await expect(later).resolves.toMatchObject({ args: { channel: 'C1', text: 'late' } });
    await expect(fake.waitFor((call) => call.method === 'users.info', 50)).rejects.toThrow(
      /no matching call within 50 ms \(calls so far: auth.test, chat.postMessage\)/,
    );
  });

  const form = 'application/x-www-form-urlencoded';

  it('performs a post, then answers it slowly, drops it, or answers 5xx: the post is in the channel', async () => {
    fake.failNext('chat.postMessage', { dropConnection: 'after-performing' });
    await expect(post('chat.postMessage', 'channel=C1&text=dropped', form)).rejects.toThrow();
    fake.failNext('chat.postMessage', { status: 503, afterPerforming: true });
    expect(
      (await post('chat.postMessage', 'channel=C1&text=5xx', form).catch(() => ({ status: 503 }))).status,
    ).toBe(503);
    fake.failNext('chat.postMessage', { slowMs: 300 });
    const startedMs = Date.now();
    expect((await post('chat.postMessage', 'channel=C1&text=slow', form)).json).toMatchObject({ ok: true });
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(250);
    expect(fake.messagesIn('C1').map((m) => m.text)).toEqual(['dropped', '5xx', 'slow']);
    expect(fake.calls.map((c) => [c.ok, c.answerLost])).toEqual([
      [true, true],
      [true, true],
      [true, true],
    ]);
  });

  it('drops a connection before performing, or performs only when it answers late', async () => {
    fake.failNext('chat.postMessage', { dropConnection: 'before-performing' });
    await expect(post('chat.postMessage', 'channel=C1&text=never', form)).rejects.toThrow();
    fake.failNext('chat.postMessage', { slowMs: 200, performLate: true });
    const late = post('chat.postMessage', 'channel=C1&text=late', form);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.messagesIn('C1')).toEqual([]);
    expect((await late).json).toMatchObject({ ok: true });
    expect(fake.messagesIn('C1').map((m) => m.text)).toEqual(['late']);
    expect(fake.calls.map((c) => c.ok)).toEqual([false, true]);
  });

  it('fails every matching call during an outage, sparing what it is told to, until it ends', async () => {
    const end = fake.failAll({ error: 'invalid_auth' }, { except: (method) => method === 'auth.test' });
    expect((await post('users.info', 'user=U1', form)).json).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await post('auth.test', '', form)).json).toMatchObject({ ok: true });
    end();
    expect((await post('users.info', 'user=U1', form)).json).toMatchObject({ ok: true });
    fake.failFor(100, { status: 503 }, { methods: ['users.info'] });
    expect((await post('auth.test', '', form)).json).toMatchObject({ ok: true });
    const during = await fetch(`${fake.url}users.info`, { method: 'POST', body: 'user=U1' });
    expect(during.status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await post('users.info', 'user=U1', form)).json).toMatchObject({ ok: true });
  });

  it('pages conversations.history newest first, with message metadata when asked, from `oldest`', async () => {
    const metadata = { event_type: 'til_broadcast', event_payload: { id: 'b1' } };
    await post(
      'chat.postMessage',
      `channel=C1&text=tagged&metadata=${encodeURIComponent(JSON.stringify(metadata))}`,
      form,
    );
    const chatter = Array.from({ length: 5 }, (_, i) => fake.addMessage('C1', { text: `chatter ${i}` }));
    const first = await post('conversations.history', 'channel=C1&limit=4&include_all_metadata=true', form);
    expect((first.json.messages as { text: string }[]).map((m) => m.text)).toEqual([
      'chatter 4',
      'chatter 3',
      'chatter 2',
      'chatter 1',
    ]);
    expect(first.json).toMatchObject({ has_more: true, response_metadata: { next_cursor: '4' } });
    const second = await post(
      'conversations.history',
      'channel=C1&limit=4&cursor=4&include_all_metadata=true',
      form,
    );
    expect(second.json.messages).toEqual([
      expect.objectContaining({ text: 'chatter 0', user: 'U0SOMEONE' }),
      expect.objectContaining({ text: 'tagged', bot_id: 'BBOT', metadata }),
    ]);
    expect(second.json).toMatchObject({ has_more: false, response_metadata: { next_cursor: '' } });
    const withoutMetadata = await post('conversations.history', 'channel=C1', form);
    expect((withoutMetadata.json.messages as Record<string, unknown>[]).some((m) => 'metadata' in m)).toBe(
      false,
    );
    const recent = await post('conversations.history', `channel=C1&oldest=${chatter[3]}`, form);
    expect((recent.json.messages as { text: string }[]).map((m) => m.text)).toEqual([
      'chatter 4',
      'chatter 3',
    ]);
  });
});
