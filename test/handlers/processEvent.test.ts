/**
 * The process-event consumer in-process, as both hosts wire it (createServices), over the file store and the
 * Web API Slack adapter talking to the loopback fake: broadcasts, like DMs, what is ignored, and what happens
 * when Slack refuses a call (outbox kept, admin alerted once, redelivery finishes the job exactly once).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParticipationDoc, SubmissionDoc, WeekDoc } from '../../functions/app/documents.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import { deletion, edit, reaction, reply } from '../support/slackPayloads.js';
import {
  BOT_TOKEN,
  CHANNEL,
  capturedLog,
  type Harness,
  harness,
  SECRET,
  tsAt,
  webApiSlack,
} from './helpers.js';

const ADMINS = ['UADMIN1', 'UADMIN2'];
const MONTH_PK = `${CHANNEL}:2026-11`;

let fake: FakeSlack;
let h: Harness;
let clockMs: number;
let threadTs: string;

async function setUp(env: Record<string, string> = {}) {
  clockMs = Date.parse('2026-11-23T09:05:00+09:00');
  fake = await startFakeSlack({ token: BOT_TOKEN, now: () => clockMs });
  h = await harness({
    env: { ADMIN_USER_IDS: ADMINS.join(','), SLACK_BOT_TOKEN: BOT_TOKEN, ...env },
    slack: webApiSlack(fake, capturedLog()),
    now: () => clockMs,
  });
  expect(await h.services.jobs.runDue(clockMs)).toMatchObject({ week: '2026-11-W4', weeklyPost: 'posted' });
  const week = await h.store.read<WeekDoc>(MONTH_PK, 'week:2026-11-W4');
  threadTs = week!.doc.threadTs!;
  // Only what the events cause is of interest from here on.
  fake.calls.length = 0;
}

afterEach(async () => {
  await h.dispose();
  await fake.close();
});

type Envelope = { event_id: string; event: Record<string, unknown> };

function deliver(envelope: Envelope, deliveryCount = 1) {
  return h.services.processEvent.process(
    { eventId: envelope.event_id, eventTime: 1795000000, event: envelope.event },
    { messageId: envelope.event_id, deliveryCount },
  );
}

const posts = (channel: string) =>
  fake.calls.filter((c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === channel);
const broadcasts = () => posts(CHANNEL);
const dmsTo = (user: string) => posts(`D${user}`).map((c) => String(c.args.text));
const permalinkOf = (ts: string) => `https://fake.slack.com/archives/${CHANNEL}/p${ts.replace('.', '')}`;
const submission = (ts: string) => h.store.read<SubmissionDoc>(MONTH_PK, `submission:${ts}`);

const VELOG = '오늘의 TIL <https://velog.io/@aaa/til-week4>';
const replyTs = (day: number, micros: number) => tsAt(`2026-11-${day}T21:00:00+09:00`, micros);

describe('process-event: broadcasts', () => {
  beforeEach(() => setUp());

  it('broadcasts a member’s first link reply in a weekly thread, with a link to the reply', async () => {
    const ts = replyTs(24, 1);
    const outcome = await deliver(reply({ user: 'U0AAA', ts, threadTs, text: VELOG }));
    expect(outcome).toEqual({ applied: true, effects: 1 });
    expect(broadcasts().map((c) => c.args.text)).toEqual([
      `<@U0AAA>님이 TIL 11월 4주차 챌린지에 참여했습니다 🔥🔥 <${permalinkOf(ts)}|글 보러 가기>`,
    ]);
    // A channel post, not a thread reply.
    expect(broadcasts()[0]?.args.thread_ts).toBeUndefined();
    expect((await submission(ts))?.doc.outbox).toEqual([]);
    const participation = await h.store.read<ParticipationDoc>(MONTH_PK, 'participation:2026-11-W4:U0AAA');
    expect(participation?.doc).toMatchObject({ status: 'sent', replyTs: ts });
  });

  it('does not broadcast again when the same event is processed again', async () => {
    const envelope = reply({ user: 'U0AAA', ts: replyTs(24, 1), threadTs, text: VELOG });
    await deliver(envelope, 1);
    // A redelivery of the queue message, then a Slack retry that got past duplicate detection.
    expect(await deliver(envelope, 2)).toEqual({ applied: true, effects: 0 });
    await deliver(envelope, 1);
    expect(broadcasts()).toHaveLength(1);
  });

  it('does not broadcast a member’s second link reply in the same week', async () => {
    await deliver(reply({ user: 'U0AAA', ts: replyTs(24, 1), threadTs, text: VELOG }));
    const second = replyTs(26, 2);
    await deliver(reply({ user: 'U0AAA', ts: second, threadTs, text: '<https://aaa.github.io/til/2>' }));
    expect(broadcasts()).toHaveLength(1);
    // Still recorded as a submission of its own.
    expect((await submission(second))?.doc.state.links).toEqual(['https://aaa.github.io/til/2']);
  });

  it('broadcasts each member once: two members, two broadcasts', async () => {
    await deliver(reply({ user: 'U0AAA', ts: replyTs(24, 1), threadTs, text: VELOG }));
    await deliver(reply({ user: 'U0BBB', ts: replyTs(25, 2), threadTs, text: '<https://velog.io/@bbb/x>' }));
    expect(broadcasts().map((c) => String(c.args.text).split('님이')[0])).toEqual(['<@U0AAA>', '<@U0BBB>']);
  });

  it('broadcasts when an edit adds a link to a linkless reply, and not again on a later edit', async () => {
    const ts = replyTs(24, 3);
    // Its only effect is the note (REPLY_FEEDBACK) telling the member why it does not count.
    expect(await deliver(reply({ user: 'U0BBB', ts, threadTs, text: '정리 중입니다' }))).toMatchObject({
      applied: true,
      effects: 1,
    });
    expect(broadcasts()).toEqual([]);
    const editedTs = replyTs(25, 4);
    await deliver(edit({ user: 'U0BBB', ts, threadTs, editedTs, text: '완료 <https://velog.io/@bbb/til>' }));
    expect(broadcasts().map((c) => c.args.text)).toEqual([
      `<@U0BBB>님이 TIL 11월 4주차 챌린지에 참여했습니다 🔥🔥 <${permalinkOf(ts)}|글 보러 가기>`,
    ]);
    await deliver(
      edit({ user: 'U0BBB', ts, threadTs, editedTs: replyTs(26, 5), text: '<https://velog.io/@bbb/til-v2>' }),
    );
    expect(broadcasts()).toHaveLength(1);
  });

  it('does not broadcast again when a link is removed by an edit and then added back', async () => {
    const ts = replyTs(24, 3);
    await deliver(reply({ user: 'U0AAA', ts, threadTs, text: VELOG }));
    await deliver(edit({ user: 'U0AAA', ts, threadTs, editedTs: replyTs(25, 4), text: '링크는 나중에' }));
    await deliver(edit({ user: 'U0AAA', ts, threadTs, editedTs: replyTs(25, 5), text: VELOG }));
    expect(broadcasts()).toHaveLength(1);
    expect((await submission(ts))?.doc.state.links).toEqual(['https://velog.io/@aaa/til-week4']);
  });

  it('#20: stores neither a top-level channel message nor a reply in a thread that is no weekly thread', async () => {
    const topLevel = replyTs(24, 6);
    const inOtherThread = replyTs(24, 7);
    const channelMessage = reply({ user: 'U0AAA', ts: topLevel, threadTs: topLevel, text: VELOG });
    delete channelMessage.event.thread_ts;
    // A thread started on Monday evening, after the week's post was made and recorded: chatter.
    const otherThread = reply({ user: 'U0AAA', ts: inOtherThread, threadTs: replyTs(23, 8), text: VELOG });
    expect(await deliver(channelMessage)).toMatchObject({ applied: false });
    expect(await submission(topLevel)).toBeUndefined();
    expect(await deliver(otherThread)).toMatchObject({ applied: false, ignored: 'not in a weekly thread' });
    expect(await submission(inOtherThread)).toBeUndefined();
    // 👍 on either, long after it was posted, are not kept either.
    for (const itemTs of [topLevel, inOtherThread]) {
      const like = reaction({
        user: 'U0BBB',
        itemTs,
        itemUser: 'U0AAA',
        eventTs: tsAt('2026-11-25T10:00:00Z'),
      });
      expect(await deliver(like)).toMatchObject({ applied: false, ignored: 'not about a reply' });
      expect(await submission(itemTs)).toBeUndefined();
    }
    // Nor a 👍 on the app's own posts (the weekly post, a broadcast), however soon after.
    const onPost = reaction({ user: 'U0BBB', itemTs: threadTs, itemUser: 'UBOT', eventTs: threadTs });
    expect(await deliver(onPost)).toMatchObject({ applied: false });
    expect(await submission(threadTs)).toBeUndefined();
    expect(broadcasts()).toEqual([]);
  });

  it('keeps a 👍 or a delete that overtook its reply (what #20 must not drop), so the reply finds it', async () => {
    const ts = replyTs(24, 12);
    const early = { user: 'U0BBB', itemTs: ts, itemUser: 'U0AAA' };
    await deliver(reaction({ ...early, eventTs: tsAt('2026-11-24T21:01:00+09:00') }));
    expect((await submission(ts))?.doc.state.reactions.U0BBB).toMatchObject({ added: true });
    await deliver(reply({ user: 'U0AAA', ts, threadTs, text: VELOG }));
    expect(broadcasts()).toHaveLength(1);
    expect(dmsTo('U0AAA')).toEqual([]);
    const deleted = replyTs(24, 13);
    await deliver(deletion({ ts: deleted, threadTs, eventTs: tsAt('2026-11-24T21:02:00+09:00') }));
    await deliver(reply({ user: 'U0CCC', ts: deleted, threadTs, text: '<https://velog.io/@ccc/x>' }));
    expect((await submission(deleted))?.doc.state.deleted).toBe(true);
    expect(broadcasts()).toHaveLength(1);
  });

  it('ignores a reply in the thread by a bot, and the app’s own replies', async () => {
    const botTs = replyTs(24, 9);
    const byBot = reply({ user: 'U0OTHERBOT', ts: botTs, threadTs, text: VELOG });
    byBot.event.bot_id = 'B0OTHER';
    const ownTs = replyTs(24, 10);
    // UBOT is the fake's auth.test user: the app itself.
    const byApp = reply({ user: 'UBOT', ts: ownTs, threadTs, text: VELOG });
    expect(await deliver(byBot)).toMatchObject({ applied: false, ignored: expect.stringMatching(/bot/) });
    expect(await deliver(byApp)).toMatchObject({ applied: false });
    expect(await submission(botTs)).toBeUndefined();
    expect(await submission(ownTs)).toBeUndefined();
    expect(broadcasts()).toEqual([]);
  });

  it('ignores events from another channel', async () => {
    const envelope = reply({ user: 'U0AAA', ts: replyTs(24, 11), threadTs, text: VELOG });
    envelope.event.channel = 'C0ELSEWHERE';
    expect(await deliver(envelope)).toMatchObject({ applied: false, ignored: 'other channel' });
    expect(broadcasts()).toEqual([]);
  });
});

describe('process-event: likes', () => {
  const like = (user: string, itemTs: string, n: number, added = true) =>
    deliver(
      reaction({ user, itemTs, itemUser: 'U0AAA', added, eventTs: tsAt('2026-11-27T12:00:00+09:00', n) }),
    );

  it('DMs the author the week’s total: conversations.open, then a tagged post in the DM channel', async () => {
    await setUp();
    const first = replyTs(24, 1);
    const second = replyTs(26, 2);
    await deliver(reply({ user: 'U0AAA', ts: first, threadTs, text: VELOG }));
    await deliver(reply({ user: 'U0AAA', ts: second, threadTs, text: '<https://velog.io/@aaa/2>' }));
    fake.calls.length = 0;

    await like('U0BBB', first, 1);
    expect(fake.calls.filter((c) => c.method !== 'users.info' && c.method !== 'chat.getPermalink')).toEqual([
      { method: 'conversations.open', args: { users: 'U0AAA' }, ok: true },
      {
        method: 'chat.postMessage',
        args: {
          channel: 'DU0AAA',
          text: `TIL 11월 4주차에 올린 <${permalinkOf(first)}|글>의 👍가 이번 주 합계 1개가 되었어요!`,
          // Found by this tag, not sent again, if the attempt dies before recording the DM as sent.
          metadata: {
            event_type: 'til_like_dm',
            event_payload: {
              id: expect.stringMatching(new RegExp(`^like_dm:${first.replace('.', '\\.')}:U0BBB:`)),
            },
          },
        },
        ok: true,
      },
    ]);
    // A like on the author's other reply that week: the DM gives the week's total over both.
    await like('U0CCC', second, 2);
    expect(dmsTo('U0AAA').at(-1)).toContain('이번 주 합계 2개');
    // Taking a like back changes the count too.
    await like('U0BBB', first, 3, false);
    expect(dmsTo('U0AAA').at(-1)).toContain('이번 주 합계 1개');
    expect(dmsTo('U0AAA')).toHaveLength(3);
  });

  it('does not count a 👍 by a bot user', async () => {
    await setUp();
    fake.setUser('U0ROBOT', { name: 'robot', isBot: true });
    const ts = replyTs(24, 1);
    await deliver(reply({ user: 'U0AAA', ts, threadTs, text: VELOG }));
    expect(await like('U0ROBOT', ts, 1)).toEqual({ applied: false, ignored: 'reaction by a bot' });
    expect(dmsTo('U0AAA')).toEqual([]);
    expect((await submission(ts))?.doc.state.reactions).toEqual({});
  });

  it('does not count a self-like', async () => {
    await setUp();
    const ts = replyTs(24, 1);
    await deliver(reply({ user: 'U0AAA', ts, threadTs, text: VELOG }));
    await like('U0AAA', ts, 1);
    expect(dmsTo('U0AAA')).toEqual([]);
  });

  it('sends no like DM with LIKE_DM=off, but still records the like', async () => {
    await setUp({ LIKE_DM: 'off' });
    const ts = replyTs(24, 1);
    await deliver(reply({ user: 'U0AAA', ts, threadTs, text: VELOG }));
    await like('U0BBB', ts, 1);
    expect(fake.calls.filter((c) => c.method === 'conversations.open')).toEqual([]);
    expect(dmsTo('U0AAA')).toEqual([]);
    expect((await submission(ts))?.doc.state.reactions.U0BBB).toMatchObject({ added: true });
    expect((await submission(ts))?.doc.outbox).toEqual([]);
  });
});

describe('process-event: Slack failures and dead letters', () => {
  beforeEach(() => setUp());

  const alertsTo = (admin: string) => dmsTo(admin).filter((text) => text.includes('⚠️'));

  /** A scheduled tick at the (advanced) clock: it runs the outbox sweep. */
  const tickAfter = (ms: number) => {
    clockMs += ms;
    return h.services.jobs.runDue(clockMs);
  };
  const at = (ms: number) => new Date(ms).toISOString();

  it('#2: a refused broadcast leaves the reply recorded, stays in the outbox backed off, and is made once', async () => {
    const ts = replyTs(24, 1);
    const envelope = reply({ user: 'U0AAA', ts, threadTs, text: VELOG });
    const firstAttemptMs = clockMs;

    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    // The message is completed: the state change does not wait on Slack.
    expect(await deliver(envelope, 1)).toEqual({ applied: true, effects: 1 });
    expect(broadcasts()).toEqual([]);
    expect((await submission(ts))?.doc).toMatchObject({
      state: { links: ['https://velog.io/@aaa/til-week4'] },
      pendingEffects: true,
      outbox: [
        {
          kind: 'broadcast',
          userId: 'U0AAA',
          eventId: envelope.event_id,
          failedAttempts: 1,
          nextAttemptAt: at(firstAttemptMs + 30_000),
          lastError: expect.stringContaining('not_in_channel'),
        },
      ],
    });
    // A redelivery before the backoff has run out does not try again.
    await deliver(envelope, 2);
    expect(
      fake.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === CHANNEL),
    ).toHaveLength(1);

    // The sweep of the next tick after the backoff makes it, once.
    expect((await tickAfter(30_000)).effects).toMatchObject({ performed: 1 });
    expect(broadcasts().map((c) => c.args.text)).toEqual([
      `<@U0AAA>님이 TIL 11월 4주차 챌린지에 참여했습니다 🔥🔥 <${permalinkOf(ts)}|글 보러 가기>`,
    ]);
    expect((await submission(ts))?.doc.outbox).toEqual([]);
    expect((await submission(ts))?.doc.pendingEffects).toBeUndefined();
    await deliver(envelope, 3);
    await tickAfter(60_000);
    expect(broadcasts()).toHaveLength(1);
    // It healed: no admin was bothered (#17).
    for (const admin of ADMINS) expect(alertsTo(admin)).toEqual([]);
  });

  it('#2: the next event about the submission performs its pending broadcast once the backoff is over', async () => {
    const ts = replyTs(24, 1);
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    await deliver(reply({ user: 'U0AAA', ts, threadTs, text: VELOG }), 1);
    clockMs += 30_000;
    // A like on the reply: its event drains the outbox, the broadcast first.
    await deliver(
      reaction({ user: 'U0BBB', itemTs: ts, itemUser: 'U0AAA', eventTs: tsAt('2026-11-25T10:00:00Z', 1) }),
    );
    expect(broadcasts()).toHaveLength(1);
    expect(dmsTo('U0AAA')).toHaveLength(1);
  });

  it('#17: gives up a DM Slack keeps refusing after 5 backed-off attempts, alerts once, and later effects flow', async () => {
    const ts = replyTs(24, 1);
    await deliver(reply({ user: 'U0AAA', ts, threadTs, text: VELOG }));
    expect(broadcasts()).toHaveLength(1);
    const like = reaction({
      user: 'U0BBB',
      itemTs: ts,
      itemUser: 'U0AAA',
      eventTs: tsAt('2026-11-25T10:00:00Z', 1),
    });
    // Only the author's DM fails; the admins' alert DMs go through.
    fake.failWhen('conversations.open', (args) => args.users === 'U0AAA', { error: 'user_not_found' }, 5);
    expect(await deliver(like, 1)).toMatchObject({ applied: true });
    const delays = [30_000, 60_000, 120_000, 240_000];
    for (const [i, delay] of delays.entries()) {
      expect((await submission(ts))?.doc.outbox).toMatchObject([{ kind: 'like_dm', failedAttempts: i + 1 }]);
      // Not before its time.
      await tickAfter(delay - 1_000);
      expect((await submission(ts))?.doc.outbox).toMatchObject([{ kind: 'like_dm', failedAttempts: i + 1 }]);
      await tickAfter(1_000);
      for (const admin of ADMINS) expect(alertsTo(admin)).toEqual(i < 3 ? [] : [expect.any(String)]);
    }
    // The fifth failure gave the DM up, with one word to each admin naming the call and the event.
    expect((await submission(ts))?.doc.outbox).toEqual([]);
    for (const admin of ADMINS) {
      expect(alertsTo(admin)).toHaveLength(1);
      expect(alertsTo(admin)[0]).toMatch(/conversations\.open.*user_not_found/);
      expect(alertsTo(admin)[0]).toContain(like.event_id);
    }
    await tickAfter(60 * 60_000);
    for (const admin of ADMINS) expect(alertsTo(admin)).toHaveLength(1);
    // The next like's DM is not held back by the one given up.
    await deliver(
      reaction({ user: 'U0CCC', itemTs: ts, itemUser: 'U0AAA', eventTs: tsAt('2026-11-25T11:00:00Z', 1) }),
    );
    expect(dmsTo('U0AAA')).toHaveLength(1);
    expect(dmsTo('U0AAA')[0]).toContain('합계 2개');
  });

  it('a broadcast given up after 5 refusals frees the member: their next reply that week is announced', async () => {
    const first = replyTs(24, 1);
    const envelope = reply({ user: 'U0AAA', ts: first, threadTs, text: VELOG });
    fake.failWhen('chat.postMessage', (args) => args.channel === CHANNEL, { error: 'not_in_channel' }, 5);
    await deliver(envelope, 1);
    for (const delay of [30_000, 60_000, 120_000, 240_000]) await tickAfter(delay);
    expect(broadcasts()).toEqual([]);
    expect((await submission(first))?.doc.outbox).toEqual([]);
    for (const admin of ADMINS) expect(alertsTo(admin)).toHaveLength(1);
    // The admin fixed the channel; Alice posts another link the same week.
    const second = replyTs(25, 1);
    await deliver(reply({ user: 'U0AAA', ts: second, threadTs, text: '<https://velog.io/@aaa/til-2>' }));
    expect(broadcasts().map((c) => String(c.args.text))).toEqual([
      `<@U0AAA>님이 TIL 11월 4주차 챌린지에 참여했습니다 🔥🔥 <${permalinkOf(second)}|글 보러 가기>`,
    ]);
  });

  it('alerts every admin about a dead-lettered event, naming it, without any secret', async () => {
    const eventId = 'Ev0DEADLETTER1';
    await h.services.processEvent.deadLettered({
      messageId: eventId,
      deliveryCount: 5,
      reason: 'MaxDeliveryCountExceeded',
      body: { eventId, event: { type: 'message' } },
    });
    for (const admin of ADMINS) {
      const [alert, ...more] = alertsTo(admin);
      expect(more).toEqual([]);
      expect(alert).toContain(eventId);
      expect(alert).toContain('MaxDeliveryCountExceeded');
      expect(alert).toContain('5');
      expect(alert).not.toContain(SECRET);
      expect(alert).not.toContain(BOT_TOKEN);
      expect(alert).not.toContain('xoxb-');
    }
  });
});
