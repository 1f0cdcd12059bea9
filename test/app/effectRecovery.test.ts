/**
 * Effects that outlive the message that caused them: adopted replies, claims left by dead letters, replies
 * deleted before their broadcast, given-up broadcasts that did reach Slack. Each is re-checked against the state
 * as it is when it is finally performed, and every post an earlier attempt may have made is looked up first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ParticipationDoc } from '../../functions/app/documents.js';
import { deletion, reaction, reply, tsAt } from '../support/slackPayloads.js';
import { ADMINS, type App, CHANNEL, MONTH_PK, startApp } from './outboxHarness.js';

let app: App;
afterEach(async () => {
  await app.dispose();
});

const link = (user: string, n = 1) => `<https://velog.io/@${user}/til-${n}>`;
const replyAt = (day: number, micros: number) => tsAt(`2026-11-${day}T21:00:00+09:00`, micros);
const broadcastOf = (user: string) => app.broadcasts().filter((text) => text.startsWith(`<@${user}>님이`));
const permalinkOf = (ts: string) => `https://fake.slack.com/archives/${CHANNEL}/p${ts.replace('.', '')}`;
const participation = async (user: string) =>
  (await app.h.store.read<ParticipationDoc>(MONTH_PK, `participation:2026-11-W4:${user}`))?.doc;

describe('#6: replies that beat their thread record', () => {
  it('#6: every early reply joins its week even when the first one’s broadcast fails and the message dies', async () => {
    app = await startApp({ postWeek: false });
    // Slack takes the weekly post; recording its thread fails, and the claim is released for the next tick.
    app.mortal.refuse((doc) => doc.id.startsWith('thread:'));
    expect((await app.h.services.jobs.runDue(app.clock.ms)).weeklyPost).toBe('failed');
    app.mortal.refuse(undefined);
    const threadTs = app.fake.messagesIn(CHANNEL)[0]!.ts;
    // Alice and Bob reply in the thread meanwhile: kept, in no week yet.
    app.clock.ms = Date.parse('2026-11-23T09:08:00+09:00');
    const alice = tsAt('2026-11-23T09:06:00+09:00', 1);
    const bob = tsAt('2026-11-23T09:07:00+09:00', 2);
    await app.deliverEvent(reply({ user: 'U0ALICE', ts: alice, threadTs, text: link('alice') }));
    await app.deliverEvent(reply({ user: 'U0BOB', ts: bob, threadTs, text: link('bob') }));
    expect(app.broadcasts()).toHaveLength(1); // the weekly post only

    // The next tick finds the post and records the thread; its thread_recorded message adopts both replies.
    expect((await app.h.services.jobs.runDue(app.clock.ms)).weeklyPost).toBe('posted');
    const [recorded] = app.h.queue.sent;
    // Alice's broadcast is refused; the message is delivered once and then lost (dead-lettered, a lost lock).
    app.fake.failWhen('chat.postMessage', (args) => String(args.text).startsWith('<@U0ALICE>'), {
      error: 'not_in_channel',
    });
    await app.h.services.processEvent
      .process(recorded!.body, { messageId: recorded!.messageId, deliveryCount: 1 })
      .catch(() => 'dead-lettered');

    expect((await app.stats()).weeks[0]).toMatchObject({ participants: 2 });
    expect(broadcastOf('U0BOB')).toHaveLength(1);
    // Alice's broadcast was kept and is made by the sweep.
    await app.tickAfter(60_000);
    expect(broadcastOf('U0ALICE')).toHaveLength(1);
  });
});

/** Events come after the replies they are about, as in Slack (a post's ts is when Slack took it). */
async function startAfterReplies() {
  app = await startApp();
  app.clock.ms = Date.parse('2026-11-26T22:00:00+09:00');
}

describe('#7: effects that outlive their message', () => {
  it('#7: a pending claim left by a dead-lettered message does not block the member: the sweep announces them', async () => {
    await startAfterReplies();
    const first = replyAt(24, 1);
    // The process dies right after claiming Alice's week, before posting; the message is then dead-lettered.
    app.mortal.dieAfter((doc, operation) => doc.id.startsWith('participation:') && operation === 'create');
    await app.h.services.processEvent
      .process(
        {
          eventId: 'Ev0DIES',
          event: reply({ user: 'U0ALICE', ts: first, threadTs: app.threadTs, text: link('alice') }).event,
        },
        { messageId: 'Ev0DIES', deliveryCount: 1 },
      )
      .catch(() => undefined);
    app.mortal.revive();
    expect(await participation('U0ALICE')).toMatchObject({ status: 'pending', replyTs: first });
    expect(app.broadcasts()).toEqual([]);

    // Alice posts another link; her week is claimed, so it is not announced by itself.
    await app.deliverEvent(
      reply({ user: 'U0ALICE', ts: replyAt(25, 1), threadTs: app.threadTs, text: link('alice', 2) }),
    );
    // The dead process's lease on the first reply runs out; a sweep then announces her, once.
    for (let minute = 0; minute < 12; minute++) await app.tickAfter(60_000);
    expect(broadcastOf('U0ALICE')).toEqual([
      `<@U0ALICE>님이 TIL 11월 4주차 챌린지에 참여했습니다 🔥🔥 <${permalinkOf(first)}|글 보러 가기>`,
    ]);
    expect(await participation('U0ALICE')).toMatchObject({ status: 'sent' });
  });

  it('#7: a reply deleted before its broadcast is made is not announced; the member’s other reply is', async () => {
    await startAfterReplies();
    const first = replyAt(24, 1);
    const second = replyAt(25, 2);
    app.fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    await app.deliverEvent(
      reply({ user: 'U0ALICE', ts: first, threadTs: app.threadTs, text: link('alice') }),
    );
    await app.deliverEvent(
      reply({ user: 'U0ALICE', ts: second, threadTs: app.threadTs, text: link('alice', 2) }),
    );
    expect(app.broadcasts()).toEqual([]);
    // Alice deletes the first reply before the broadcast is retried.
    app.clock.ms += 40_000;
    await app.deliverEvent(
      deletion({ ts: first, threadTs: app.threadTs, eventTs: tsAt('2026-11-25T22:00:00+09:00') }),
    );
    await app.tickAfter(60_000);
    expect(broadcastOf('U0ALICE')).toEqual([
      `<@U0ALICE>님이 TIL 11월 4주차 챌린지에 참여했습니다 🔥🔥 <${permalinkOf(second)}|글 보러 가기>`,
    ]);
    expect((await app.submission(first))?.outbox).toEqual([]);
    for (const admin of ADMINS) expect(app.alertsTo(admin)).toEqual([]);
  });

  it('#7: a like DM for a reply deleted meanwhile is not sent', async () => {
    await startAfterReplies();
    const ts = replyAt(24, 1);
    await app.deliverEvent(reply({ user: 'U0ALICE', ts, threadTs: app.threadTs, text: link('alice') }));
    // The DM is rate limited; the like's message is delivered once and then lost (dead-lettered, a lost lock).
    app.fake.failWhen(
      'chat.postMessage',
      (args) => args.channel === 'DU0ALICE',
      { status: 429, retryAfterSec: 0 },
      2,
    );
    const like = reaction({
      user: 'U0BOB',
      itemTs: ts,
      itemUser: 'U0ALICE',
      eventTs: tsAt('2026-11-25T10:00:00+09:00'),
    });
    await app.h.services.processEvent
      .process({ eventId: like.event_id, event: like.event }, { messageId: like.event_id, deliveryCount: 1 })
      .catch(() => 'dead-lettered');
    // Alice deletes the reply; that event, and the sweeps after it, find the DM no longer wanted.
    await app.deliverEvent(
      deletion({ ts, threadTs: app.threadTs, eventTs: tsAt('2026-11-25T11:00:00+09:00') }),
    );
    for (let minute = 0; minute < 5; minute++) await app.tickAfter(60_000);
    expect(app.dmsTo('U0ALICE')).toEqual([]);
    expect((await app.submission(ts))?.outbox).toEqual([]);
  });
});

describe('#8: a given-up broadcast that did reach Slack', () => {
  it('#8: is found by the member’s next reply, not posted again', async () => {
    await startAfterReplies();
    const first = replyAt(24, 1);
    // Slack posts Alice's broadcast, but recording it as sent keeps failing for over a day: it is given up.
    app.mortal.refuse(
      (doc) => doc.id.startsWith('participation:') && (doc as ParticipationDoc).status === 'sent',
    );
    await app.deliverEvent(
      reply({ user: 'U0ALICE', ts: first, threadTs: app.threadTs, text: link('alice') }),
    );
    expect(broadcastOf('U0ALICE')).toHaveLength(1);
    for (let hour = 0; hour < 26; hour++) {
      await app.tickAfter(30 * 60_000);
      await app.tickAfter(30 * 60_000);
    }
    expect((await app.submission(first))?.outbox).toEqual([]);
    expect(await participation('U0ALICE')).toMatchObject({ status: 'abandoned' });
    app.mortal.refuse(undefined);

    // Her next reply takes the released claim over: it looks first, finds the post, and records it.
    await app.deliverEvent(
      reply({ user: 'U0ALICE', ts: replyAt(26, 2), threadTs: app.threadTs, text: link('alice', 2) }),
    );
    expect(broadcastOf('U0ALICE')).toHaveLength(1);
    expect(await participation('U0ALICE')).toMatchObject({ status: 'sent' });
  });
});
