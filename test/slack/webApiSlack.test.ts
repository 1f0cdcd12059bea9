import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createWebApiSlack,
  SlackCallError,
  type WebApiSlackOptions,
} from '../../functions/adapters/slack/webApiSlack.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';

const TOKEN = 'xoxb-test-1234-secret';
/** Quick retries so failure tests stay fast; Retry-After waits are WebClient's own. */
const quickRetry = { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 10 };

let fake: FakeSlack;
let logged: string[];
/** Captures what WebClient logs, instead of letting it print to the console. */
const logger = {
  debug: () => {},
  info: (message: string) => logged.push(`info ${message}`),
  warn: (message: string) => logged.push(`warn ${message}`),
  error: (message: string) => logged.push(`error ${message}`),
};
beforeEach(async () => {
  fake = await startFakeSlack({ token: TOKEN });
  logged = [];
});
afterEach(async () => {
  await fake.close();
});

function slackAt(overrides: Partial<WebApiSlackOptions> = {}) {
  return createWebApiSlack({ token: TOKEN, apiUrl: fake.url, retryConfig: quickRetry, logger, ...overrides });
}

const callsOf = (method: string) => fake.calls.filter((call) => call.method === method);

describe('WebApiSlack against the fake Web API', () => {
  it("posts a message, with its tag as message metadata, and returns Slack's ts", async () => {
    const slack = slackAt();
    const first = await slack.postMessage({ channel: 'C0TIL', text: '*TIL 11월 4주차*' });
    const tagged = await slack.postMessage({
      channel: 'C0TIL',
      text: '<@U0123> 님이 참여했습니다',
      tag: { type: 'til_broadcast', id: '2026-11-W4:U0123' },
    });
    expect(first.ts).toMatch(/^\d+\.\d{6}$/);
    expect(Number(tagged.ts)).toBeGreaterThan(Number(first.ts));
    expect(fake.calls).toEqual([
      { method: 'chat.postMessage', args: { channel: 'C0TIL', text: '*TIL 11월 4주차*' }, ok: true },
      {
        method: 'chat.postMessage',
        args: {
          channel: 'C0TIL',
          text: '<@U0123> 님이 참여했습니다',
          metadata: { event_type: 'til_broadcast', event_payload: { id: '2026-11-W4:U0123' } },
        },
        ok: true,
      },
    ]);
  });

  it('sends a DM by opening the conversation, then posting in it', async () => {
    await slackAt().sendDirectMessage('U0123', '좋아요 3개');
    expect(fake.calls.map(({ method, args }) => ({ method, args }))).toEqual([
      { method: 'conversations.open', args: { users: 'U0123' } },
      { method: 'chat.postMessage', args: { channel: 'DU0123', text: '좋아요 3개' } },
    ]);
  });

  it('tags a DM with message metadata and finds it again in that DM conversation', async () => {
    const slack = slackAt();
    const tag = { type: 'til_like_dm', id: 'like_dm:1.2:U0BOB:3.4:added' } as const;
    await slack.sendDirectMessage('U0123', '좋아요 1개', tag);
    expect(callsOf('chat.postMessage')[0]?.args).toEqual({
      channel: 'DU0123',
      text: '좋아요 1개',
      metadata: { event_type: 'til_like_dm', event_payload: { id: tag.id } },
    });
    const found = await slack.findTaggedDirectMessage('U0123', tag, '0');
    expect(found).toMatch(/^\d+\.\d{6}$/);
    expect(
      await slack.findTaggedDirectMessage('U0123', { ...tag, id: 'like_dm:other' }, '0'),
    ).toBeUndefined();
    expect(await slack.findTaggedDirectMessage('U0123', tag, String(Number(found) + 1))).toBeUndefined();
    expect(await slack.findTaggedDirectMessage('U0999', tag, '0')).toBeUndefined();
    expect(callsOf('conversations.history').map((c) => c.args.channel)).toEqual([
      'DU0123',
      'DU0123',
      'DU0123',
      'DU0999',
    ]);
  });

  it('asks auth.test for the bot user once', async () => {
    const slack = slackAt();
    expect(await slack.botUserId()).toBe('UBOT');
    expect(await slack.botUserId()).toBe('UBOT');
    expect(callsOf('auth.test')).toHaveLength(1);
  });

  it('asks auth.test again after a failure', async () => {
    const slack = slackAt();
    fake.failNext('auth.test', { error: 'invalid_auth' });
    await expect(slack.botUserId()).rejects.toMatchObject({ method: 'auth.test', code: 'invalid_auth' });
    expect(await slack.botUserId()).toBe('UBOT');
  });

  it('maps users.info to a name and bot flag, and caches it', async () => {
    fake.setUser('U0123', { name: '멤버01', isBot: false });
    fake.setUser('B0RSS', { name: 'rss', isBot: true });
    const slack = slackAt();
    expect(await slack.userInfo('U0123')).toEqual({ id: 'U0123', name: '멤버01', isBot: false });
    expect(await slack.userInfo('U0123')).toEqual({ id: 'U0123', name: '멤버01', isBot: false });
    expect(await slack.userInfo('B0RSS')).toEqual({ id: 'B0RSS', name: 'rss', isBot: true });
    expect(callsOf('users.info').map((call) => call.args.user)).toEqual(['U0123', 'B0RSS']);
  });

  it('treats Slackbot as a bot', async () => {
    expect(await slackAt().userInfo('USLACKBOT')).toMatchObject({ isBot: true });
  });

  it('makes one users.info request for concurrent lookups', async () => {
    const slack = slackAt();
    await Promise.all([slack.userInfo('U0123'), slack.userInfo('U0123'), slack.userInfo('U0123')]);
    expect(callsOf('users.info')).toHaveLength(1);
  });

  it('looks a user up again once the cache entry expires', async () => {
    let nowMs = 1_000_000;
    const slack = slackAt({ now: () => nowMs, userCacheTtlMs: 60_000 });
    fake.setUser('U0123', { name: 'old', isBot: false });
    await slack.userInfo('U0123');
    fake.setUser('U0123', { name: 'new', isBot: false });
    nowMs += 59_000;
    expect(await slack.userInfo('U0123')).toMatchObject({ name: 'old' });
    nowMs += 2_000;
    expect(await slack.userInfo('U0123')).toMatchObject({ name: 'new' });
    expect(callsOf('users.info')).toHaveLength(2);
  });

  it('does not cache a failed lookup', async () => {
    const slack = slackAt();
    fake.failNext('users.info', { error: 'user_not_found' });
    await expect(slack.userInfo('U0123')).rejects.toBeInstanceOf(SlackCallError);
    expect(await slack.userInfo('U0123')).toMatchObject({ id: 'U0123' });
  });

  it('returns the permalink Slack gives', async () => {
    const link = await slackAt().permalink('C0TIL', '1793750400.000200');
    expect(link).toBe('https://fake.slack.com/archives/C0TIL/p1793750400000200');
    expect(callsOf('chat.getPermalink')[0]?.args).toEqual({
      channel: 'C0TIL',
      message_ts: '1793750400.000200',
    });
  });

  it('waits out a 429 for Retry-After, then succeeds', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    const startedMs = Date.now();
    const { ts } = await slackAt().postMessage({ channel: 'C0TIL', text: 'hi' });
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(950);
    expect(ts).toMatch(/^\d+\.\d{6}$/);
    expect(callsOf('chat.postMessage').map((call) => call.ok)).toEqual([false, true]);
    expect(logged).toContainEqual(expect.stringMatching(/^info slack-web-api: .*rate limiting.*1 seconds/));
    expect(callsOf('chat.postMessage').filter((call) => call.ok)).toHaveLength(1);
  });

  it('retries a 500 on a read', async () => {
    fake.failNext('users.info', { status: 500 }, 2);
    await slackAt().userInfo('U0123');
    expect(callsOf('users.info').map((call) => call.ok)).toEqual([false, false, true]);
  });

  it('gives up on a 5xx after the retries with the HTTP status as code, retryable', async () => {
    fake.failNext('users.info', { status: 500 }, 3);
    const failure = slackAt().userInfo('U0123');
    await expect(failure).rejects.toMatchObject({
      name: 'SlackCallError',
      method: 'users.info',
      code: 'http_500',
      retryable: true,
    });
    expect(callsOf('users.info')).toHaveLength(3);
  });

  it('gives up on a 429 that outlasts the retries as ratelimited', async () => {
    fake.failNext('users.info', { status: 429, retryAfterSec: 0 }, 3);
    const slack = slackAt({ retryConfig: { retries: 1, minTimeout: 10 } });
    await expect(slack.userInfo('U0123')).rejects.toMatchObject({
      method: 'users.info',
      code: 'ratelimited',
    });
    expect(callsOf('users.info')).toHaveLength(2);
  });

  it('#1: a post whose connection drops after Slack posted is not posted again: it fails as ambiguous', async () => {
    fake.failNext('chat.postMessage', { dropConnection: 'after-performing' });
    const error = await slackAt()
      .postMessage({ channel: 'C0TIL', text: '*TIL 11월 4주차*' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ method: 'chat.postMessage', code: 'request_failed', ambiguous: true });
    expect(error).toMatchObject({ retryable: true });
    expect(fake.messagesIn('C0TIL')).toHaveLength(1);
    expect(callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('#1: a post answered 500 is not retried (Slack may have posted)', async () => {
    fake.failNext('chat.postMessage', { status: 500, afterPerforming: true });
    await expect(slackAt().postMessage({ channel: 'C0TIL', text: 'hi' })).rejects.toMatchObject({
      code: 'http_500',
      ambiguous: true,
    });
    expect(callsOf('chat.postMessage')).toHaveLength(1);
    expect(fake.messagesIn('C0TIL')).toHaveLength(1);
  });

  it('#1: a post whose answer is slower than the request timeout fails after one post, as ambiguous', async () => {
    fake.failNext('chat.postMessage', { slowMs: 1_500 });
    const slack = slackAt({ requestTimeoutMs: 300 });
    await expect(slack.postMessage({ channel: 'C0TIL', text: 'hi' })).rejects.toMatchObject({
      code: 'request_failed',
      ambiguous: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect(callsOf('chat.postMessage')).toHaveLength(1);
    expect(fake.messagesIn('C0TIL')).toHaveLength(1);
  });

  it('#1: a post is retried when Slack certainly did not post: ok:false ratelimited, connection refused', async () => {
    fake.failNext('chat.postMessage', { error: 'ratelimited' });
    await slackAt().postMessage({ channel: 'C0TIL', text: 'hi' });
    expect(callsOf('chat.postMessage').map((c) => c.ok)).toEqual([false, true]);
    const closed = await startFakeSlack();
    await closed.close();
    const refused = await slackAt({ apiUrl: closed.url })
      .postMessage({ channel: 'C0TIL', text: 'hi' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'request_failed', ambiguous: false });
  });

  it('#1: a post failing before Slack got it (dropped before posting) is still reported as ambiguous', async () => {
    // From the client's side a dropped connection looks the same either way: only a lookup can tell.
    fake.failNext('chat.postMessage', { dropConnection: 'before-performing' });
    await expect(slackAt().postMessage({ channel: 'C0TIL', text: 'hi' })).rejects.toMatchObject({
      ambiguous: true,
    });
    expect(fake.messagesIn('C0TIL')).toHaveLength(0);
  });

  it('#14: a Retry-After of 60 s on one method fails that call back at once and holds no other method', async () => {
    fake.failNext('users.info', { status: 429, retryAfterSec: 60 });
    // Each call gives up within 30 s: Slack's minute outlasts any call, so none waits for it.
    const slack = slackAt({ retryConfig: { ...quickRetry, maxRetryTime: 30_000 } });
    const startedMs = Date.now();
    const limited = slack.userInfo('U0123').catch((e: unknown) => e);
    const within = <T>(promise: Promise<T>, ms: number) =>
      Promise.race([
        promise,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms),
        ),
      ]);
    expect(await within(limited, 5_000)).toMatchObject({ code: 'ratelimited', retryable: true });
    // Other methods keep flowing meanwhile.
    await expect(within(slack.permalink('C0TIL', '1793750400.000200'), 5_000)).resolves.toMatch(/^https:/);
    await expect(within(slack.postMessage({ channel: 'C0TIL', text: 'hi' }), 5_000)).resolves.toBeDefined();
    // The limited method itself is not called again before Slack's minute is up: its calls fail fast.
    expect(
      await within(
        slack.userInfo('U0456').catch((e: unknown) => e),
        5_000,
      ),
    ).toMatchObject({
      code: 'ratelimited',
    });
    expect(callsOf('users.info')).toHaveLength(1);
    expect(Date.now() - startedMs).toBeLessThan(5_000);
  });

  it('does not retry a permanent error and names the method and code', async () => {
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    const error = await slackAt()
      .postMessage({ channel: 'C0GONE', text: 'hi' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackCallError);
    expect(error).toMatchObject({
      method: 'chat.postMessage',
      code: 'channel_not_found',
      retryable: false,
      ambiguous: false,
    });
    expect((error as Error).message).toBe('Slack chat.postMessage failed: channel_not_found');
    expect(callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('fails a DM on conversations.open without posting', async () => {
    fake.failNext('conversations.open', { error: 'user_disabled' });
    await expect(slackAt().sendDirectMessage('U0GONE', 'hi')).rejects.toMatchObject({
      method: 'conversations.open',
      code: 'user_disabled',
    });
    expect(callsOf('chat.postMessage')).toHaveLength(0);
  });

  it('reports a wrong token as invalid_auth without revealing the token', async () => {
    const wrongToken = 'xoxb-wrong-token-9876';
    const slack = slackAt({ token: wrongToken });
    const error = await slack.permalink('C0TIL', '1.2').catch((e: unknown) => e);
    expect(error).toMatchObject({ method: 'chat.getPermalink', code: 'invalid_auth' });
    const serialised = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`;
    expect(serialised).not.toContain(wrongToken);
  });

  it('reports an unreachable API as request_failed without revealing the token', async () => {
    const closed = await startFakeSlack();
    await closed.close();
    const slack = slackAt({ apiUrl: closed.url, retryConfig: { retries: 1, minTimeout: 10 } });
    const error = await slack.postMessage({ channel: 'C0TIL', text: 'hi' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ method: 'chat.postMessage', code: 'request_failed' });
    expect(`${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`).not.toContain(TOKEN);
  });

  it('sends the token as a bearer header, not in the recorded arguments', async () => {
    await slackAt().postMessage({ channel: 'C0TIL', text: 'hi' });
    expect(JSON.stringify(fake.calls)).not.toContain(TOKEN);
    expect(fake.calls[0]?.ok).toBe(true);
  });
});
