import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChallengeEvent } from '../../functions/domain/types.js';
import { normalizeEvent, routingTsOf } from '../../functions/slack/envelope.js';
import { slackEventOf } from '../../functions/slack/syntheticEvent.js';
import {
  parseThreadMessages,
  snapshotReplyOf,
  thumbsUpCutShort,
  thumbsUpUsers,
} from '../../functions/slack/threadSnapshot.js';

const CHANNEL = 'C0TIL0001';
const THREAD = '1795392000.000100';
const ctx = { channelId: CHANNEL, botUserId: 'UBOT' };

const ts = fc
  .tuple(fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }), fc.nat(999_999))
  .map(([s, u]) => `${s}.${String(u).padStart(6, '0')}`);
const user = fc.constantFrom('U0ALICE', 'U0BOB', 'W0CAROL');
const content = fc.record({
  text: fc.string({ maxLength: 40 }),
  blockUrls: fc.uniqueArray(
    fc.constantFrom('https://velog.io/@a/1', 'https://b.github.io/2', 'https://x.com/3'),
    {
      maxLength: 3,
    },
  ),
});
const eventId = fc.constantFrom('resync:a', 'resync:b');

/** Every kind of ChallengeEvent a re-sync makes, with the fields normalizeEvent gives back. */
const challengeEvent: fc.Arbitrary<ChallengeEvent> = fc.oneof(
  fc.record({ eventId, ts, user, content }).map(
    ({ eventId, ts, user, content }): ChallengeEvent => ({
      kind: 'message_posted',
      eventId,
      eventTs: ts,
      channel: CHANNEL,
      ts,
      threadTs: THREAD,
      user,
      content: { ...content, versionTs: ts },
    }),
  ),
  fc.record({ eventId, ts, user, content, edited: fc.option(ts) }).map(
    ({ eventId, ts, user, content, edited }): ChallengeEvent => ({
      kind: 'message_edited',
      eventId,
      eventTs: edited ?? ts,
      channel: CHANNEL,
      ts,
      threadTs: THREAD,
      user,
      content: { ...content, versionTs: edited ?? ts },
    }),
  ),
  fc.record({ eventId, ts, at: ts }).map(
    ({ eventId, ts, at }): ChallengeEvent => ({
      kind: 'message_deleted',
      eventId,
      eventTs: at,
      channel: CHANNEL,
      ts,
    }),
  ),
  fc.record({ eventId, ts, at: ts, user, added: fc.boolean() }).map(
    ({ eventId, ts, at, user, added }): ChallengeEvent => ({
      kind: 'reaction',
      eventId,
      eventTs: at,
      channel: CHANNEL,
      itemTs: ts,
      user,
      added,
    }),
  ),
);

describe('slackEventOf: a repair is queued as the Slack event it stands for', () => {
  it('normalizeEvent reads it back as the very event, routed by the message it is about', () => {
    fc.assert(
      fc.property(challengeEvent, (event) => {
        const raw = slackEventOf(event, 'U0AUTHOR');
        expect(normalizeEvent(raw, event.eventId, ctx)).toEqual({ event });
        expect(routingTsOf(raw)).toBe(event.kind === 'reaction' ? event.itemTs : event.ts);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the thread read, at the edge', () => {
  const reply = (over: Record<string, unknown> = {}) => ({
    type: 'message',
    user: 'U0ALICE',
    text: 'TIL <https://velog.io/@alice/1>',
    ts: '1795392100.000200',
    thread_ts: THREAD,
    ...over,
  });

  it('reads a member reply as the consumer would read its event; an edited one as of its edit', () => {
    const [listed] = parseThreadMessages([
      reply({ reactions: [{ name: '+1', users: ['U0BOB'], count: 1 }] }),
    ]);
    expect(snapshotReplyOf(listed!.message!, THREAD, ctx)).toEqual({
      ts: '1795392100.000200',
      user: 'U0ALICE',
      threadTs: THREAD,
      content: { text: 'TIL <https://velog.io/@alice/1>', blockUrls: [], versionTs: '1795392100.000200' },
      thumbsUp: ['U0BOB'],
    });
    const [edited] = parseThreadMessages([reply({ edited: { user: 'U0ALICE', ts: '1795392200.000000' } })]);
    expect(snapshotReplyOf(edited!.message!, THREAD, ctx)?.content.versionTs).toBe('1795392200.000000');
  });

  it('is no reply: the parent, a bot, the app, another subtype, another thread', () => {
    const cases = [
      reply({ ts: THREAD }),
      reply({ bot_id: 'B1' }),
      reply({ user: 'UBOT' }),
      reply({ subtype: 'channel_join' }),
      reply({ thread_ts: '1795392000.000999' }),
    ];
    for (const raw of cases) {
      const [listed] = parseThreadMessages([raw]);
      expect(snapshotReplyOf(listed!.message!, THREAD, ctx)).toBeUndefined();
    }
  });

  it('keeps the ts of a message it cannot read, so it is not taken for deleted; drops what has no ts', () => {
    expect(parseThreadMessages([reply({ user: '__proto__' }), { text: 'no ts' }, 'junk'])).toEqual([
      { ts: '1795392100.000200' },
    ]);
    expect(parseThreadMessages(undefined)).toEqual([]);
  });

  it('merges 👍 of every skin tone, and says when Slack cut a reactor list short', () => {
    const [listed] = parseThreadMessages([
      reply({
        reactions: [
          { name: '+1', users: ['U0BOB', 'U0CAROL'], count: 2 },
          { name: 'thumbsup::skin-tone-3', users: ['U0BOB', 'U0DAVE'], count: 5 },
          { name: 'heart', users: ['U0EVE'], count: 1 },
        ],
      }),
    ]);
    expect(thumbsUpUsers(listed!.message!.reactions!)).toEqual(['U0BOB', 'U0CAROL', 'U0DAVE']);
    expect(thumbsUpCutShort(listed!.message!)).toBe(true);
    const [whole] = parseThreadMessages([reply({ reactions: [{ name: '+1', users: ['U0BOB'], count: 1 }] })]);
    expect(thumbsUpCutShort(whole!.message!)).toBe(false);
  });
});
