/**
 * What a Slack outage, a revoked token, a lost answer or a refusal costs: delay, never data, never a doubled
 * post, and one alert per real failure. Driven like the queue drives the consumer (a message that throws is
 * redelivered at once, then dead-lettered), with the scheduled tick's sweep retrying what failed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackFailure } from '../support/fakeSlack.js';
import { reaction, reply, tsAt } from '../support/slackPayloads.js';
import { ADMINS, type App, CHANNEL, startApp } from './outboxHarness.js';

let app: App;
beforeEach(async () => {
  app = await startApp();
});
afterEach(async () => {
  await app.dispose();
});

const VELOG = (user: string) => `오늘의 TIL <https://velog.io/@${user}/til>`;
const replyAt = (day: number, micros: number) => tsAt(`2026-11-${day}T21:00:00+09:00`, micros);
const broadcastOf = (user: string) => app.broadcasts().filter((text) => text.startsWith(`<@${user}>님이`));

describe.each<[string, SlackFailure]>([
  ['a two-minute Slack outage (503)', { status: 503 }],
  ['a token revoked for twenty seconds', { error: 'token_revoked' }],
  ['invalid_auth for twenty seconds', { error: 'invalid_auth' }],
])('#2: %s', (_name, failure) => {
  it('costs delay, not data: every reply and like answered 200 is recorded, then announced once', async () => {
    const members = ['U0AAA', 'U0BBB', 'U0CCC'];
    const replies = members.map((user, i) => ({ user, ts: replyAt(24, i + 1) }));
    app.clock.ms = Date.parse('2026-11-24T21:30:00+09:00');
    const endOutage = app.fake.failAll(failure);
    for (const r of replies) {
      expect(await app.deliverEvent(reply({ ...r, threadTs: app.threadTs, text: VELOG(r.user) }))).toBe(
        'completed',
      );
    }
    const like = reaction({
      user: 'U0DDD',
      itemTs: replies[0]!.ts,
      itemUser: 'U0AAA',
      eventTs: tsAt('2026-11-24T21:31:00+09:00'),
    });
    expect(await app.deliverEvent(like)).toBe('completed');
    // Recorded during the outage, with their likes: the dashboard shows them already.
    const during = await app.stats();
    expect(during.weeks[0]).toMatchObject({ participants: 3, likes: 1 });
    // Sweeps during the outage try one effect per tick, and give nothing up.
    await app.tickAfter(60_000);
    endOutage();
    expect(app.broadcasts()).toEqual([]);

    for (let tick = 0; tick < 10; tick++) await app.tickAfter(60_000);
    for (const user of members) expect(broadcastOf(user), user).toHaveLength(1);
    expect(app.dmsTo('U0AAA')).toHaveLength(1);
    for (const r of replies) expect((await app.submission(r.ts))?.outbox).toEqual([]);
    // It healed: no admin was told anything (#17).
    for (const admin of ADMINS) expect(app.alertsTo(admin)).toEqual([]);
  });
});

describe('#2: a long outage', () => {
  it('costs one probe per tick, and all it held back is made at the first tick Slack works again', async () => {
    const members = ['U0AAA', 'U0BBB'];
    app.clock.ms = Date.parse('2026-11-24T21:30:00+09:00');
    const endOutage = app.fake.failAll({ status: 503 });
    for (const [i, user] of members.entries()) {
      await app.deliverEvent(
        reply({ user, ts: replyAt(24, i + 1), threadTs: app.threadTs, text: VELOG(user) }),
      );
    }
    const callsBefore = app.fake.calls.length;
    // Four hours of 5-minute ticks: each sweep tries one effect (two calls, with the in-call retry) and stops.
    const ticks = 48;
    for (let tick = 0; tick < ticks; tick++) await app.tickAfter(5 * 60_000);
    expect(app.fake.calls.length - callsBefore).toBeLessThanOrEqual(ticks * 2);
    const backedOff = await Promise.all(
      members.map(async (_, i) => (await app.submission(replyAt(24, i + 1)))?.outbox[0]),
    );
    expect(backedOff.every((e) => e?.transient === true)).toBe(true);
    // Both are backed off well past the end of the outage.
    expect(backedOff.every((e) => Date.parse(e!.nextAttemptAt!) > app.clock.ms + 5 * 60_000)).toBe(true);

    endOutage();
    await app.tickAfter(5 * 60_000);
    for (const user of members) expect(broadcastOf(user), user).toHaveLength(1);
    for (const admin of ADMINS) expect(app.alertsTo(admin)).toEqual([]);
  });
});

describe('#2: admin alerts', () => {
  it('an alert Slack does not take is kept and delivered once Slack takes it, once per admin', async () => {
    // The bot is not in the channel (a refusal: given up after 5 attempts), and the admins' DMs fail meanwhile.
    app.fake.failWhen(
      'chat.postMessage',
      (args) => args.channel === CHANNEL,
      { error: 'not_in_channel' },
      20,
    );
    const endDmOutage = app.fake.failAll({ status: 503 }, { methods: ['conversations.open'] });
    const ts = replyAt(24, 1);
    await app.deliverEvent(reply({ user: 'U0AAA', ts, threadTs: app.threadTs, text: VELOG('U0AAA') }));
    for (const delay of [30_000, 60_000, 120_000, 240_000]) await app.tickAfter(delay);
    expect((await app.submission(ts))?.outbox).toEqual([]);
    for (const admin of ADMINS) expect(app.alertsTo(admin)).toEqual([]);

    endDmOutage();
    await app.tickAfter(60_000);
    for (const admin of ADMINS) {
      expect(app.alertsTo(admin)).toHaveLength(1);
      expect(app.alertsTo(admin)[0]).toMatch(/chat\.postMessage.*not_in_channel/);
    }
    await app.tickAfter(60 * 60_000);
    for (const admin of ADMINS) expect(app.alertsTo(admin)).toHaveLength(1);
  });
});

describe('#1: a post whose answer is lost', () => {
  it('#1: a broadcast whose connection drops after Slack posted it is looked up, not posted again', async () => {
    app.clock.ms = Date.parse('2026-11-24T21:30:00+09:00');
    app.fake.failNext('chat.postMessage', { dropConnection: 'after-performing' });
    const ts = replyAt(24, 1);
    await app.deliverEvent(reply({ user: 'U0AAA', ts, threadTs: app.threadTs, text: VELOG('U0AAA') }));
    expect(broadcastOf('U0AAA')).toHaveLength(1);
    expect((await app.submission(ts))?.outbox).toMatchObject([{ kind: 'broadcast', failedAttempts: 1 }]);
    await app.tickAfter(60_000);
    expect(
      app.fake.calls.some((c) => c.method === 'conversations.history' && c.args.channel === CHANNEL),
    ).toBe(true);
    expect(broadcastOf('U0AAA')).toHaveLength(1);
    expect((await app.submission(ts))?.outbox).toEqual([]);
    await app.tickAfter(60 * 60_000);
    expect(broadcastOf('U0AAA')).toHaveLength(1);
    for (const admin of ADMINS) expect(app.alertsTo(admin)).toEqual([]);
  });

  it('#1: a like DM answered 500 after Slack sent it is looked up, not sent again', async () => {
    app.clock.ms = Date.parse('2026-11-24T21:30:00+09:00');
    const ts = replyAt(24, 1);
    await app.deliverEvent(reply({ user: 'U0AAA', ts, threadTs: app.threadTs, text: VELOG('U0AAA') }));
    app.fake.failWhen('chat.postMessage', (args) => args.channel === 'DU0AAA', {
      status: 500,
      afterPerforming: true,
    });
    const like = reaction({
      user: 'U0BBB',
      itemTs: ts,
      itemUser: 'U0AAA',
      eventTs: tsAt('2026-11-24T21:20:00+09:00'),
    });
    await app.deliverEvent(like);
    expect(app.dmsTo('U0AAA')).toHaveLength(1);
    await app.tickAfter(60_000);
    expect(app.dmsTo('U0AAA')).toHaveLength(1);
    expect((await app.submission(ts))?.outbox).toEqual([]);
  });
});
