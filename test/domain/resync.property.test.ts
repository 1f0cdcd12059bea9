import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTs } from '../../functions/domain/calendar.js';
import { countRepairs, resyncEvents, type ThreadSnapshot } from '../../functions/domain/resync.js';
import { applyEvent } from '../../functions/domain/submission.js';
import type { ChallengeEvent, SlackTs, SubmissionState } from '../../functions/domain/types.js';
import { CHANNEL, config, deleted, edited, posted, reaction, thread4, tsAt, week4 } from './fixtures.js';

/**
 * The re-sync's promise, over arbitrary stores and snapshots: the synthetic events bring the store to what the
 * snapshot shows, except what the store may know from after the read (a mark at or after asOf, a reply posted
 * after it); applying them twice is applying them once; and a second re-sync over the result finds nothing.
 */
const AS_OF = tsAt('2026-11-27T12:00:00');
const asOfSeconds = Number(AS_OF.split('.')[0]);
const at = (offsetSeconds: number, micros = 0): SlackTs =>
  `${asOfSeconds + offsetSeconds}.${String(micros).padStart(6, '0')}`;
/** Replies before the read, and one posted after it started (a delete must never be inferred for it). */
const REPLIES = [at(-7200, 1), at(-3600, 2), at(-1800, 3), at(-60, 4), at(30, 5)];
const USERS = ['U1', 'U2', 'U3', 'UAUTHOR'];
const VERSIONS = [0, 600, 1200];
const versionTs = (ts: SlackTs, v: number) =>
  v === 0 ? ts : `${Number(ts.split('.')[0]) + VERSIONS[v]!}.${ts.split('.')[1]}`;
/** A version's content is a function of the version: the store and Slack agree on what a version said. */
const textOf = (ts: SlackTs, v: number) =>
  (Number(ts.split('.')[1]) + v) % 2 === 0 ? `<https://velog.io/@me/${ts}-${v}>` : `정리 중 ${v}`;

interface StoredReply {
  posted: boolean;
  edits: number[];
  /** Marks dated around the read: some before, some at or after asOf. */
  reactions: { user: string; added: boolean; offset: number }[];
  deleted: boolean;
}
interface SlackReply {
  listed: boolean;
  version: number;
  thumbsUp: string[];
}

const storedReply: fc.Arbitrary<StoredReply | null> = fc.option(
  fc.record({
    posted: fc.boolean(),
    edits: fc.subarray([1, 2]),
    reactions: fc.array(
      fc.record({
        user: fc.constantFrom(...USERS),
        added: fc.boolean(),
        offset: fc.integer({ min: -3000, max: 40 }),
      }),
      { maxLength: 6 },
    ),
    deleted: fc.boolean(),
  }),
);
const slackReply: fc.Arbitrary<SlackReply> = fc.record({
  listed: fc.boolean(),
  version: fc.nat(2),
  thumbsUp: fc.subarray(USERS),
});
const world = fc.record({
  stored: fc.array(storedReply, { minLength: REPLIES.length, maxLength: REPLIES.length }),
  slack: fc.array(slackReply, { minLength: REPLIES.length, maxLength: REPLIES.length }),
  ignored: fc.subarray(USERS, { maxLength: 1 }),
});

function apply(state: SubmissionState | undefined, events: ChallengeEvent[]) {
  let next = state;
  for (const event of events) next = applyEvent(next, event, { config, threadWeek: week4 });
  return next;
}

function storedStates(stored: (StoredReply | null)[]): Map<SlackTs, SubmissionState> {
  const states = new Map<SlackTs, SubmissionState>();
  stored.forEach((s, i) => {
    const ts = REPLIES[i]!;
    if (!s) return;
    const events: ChallengeEvent[] = [
      ...(s.posted ? [posted(ts, textOf(ts, 0))] : []),
      ...s.edits.map((v) => edited(ts, versionTs(ts, v), textOf(ts, v))),
      ...s.reactions.map((r) => reaction(ts, r.user, r.added, at(r.offset, 7))),
      ...(s.deleted ? [deleted(ts, at(-10))] : []),
    ];
    const state = apply(undefined, events);
    if (state) states.set(ts, state);
  });
  return states;
}

function snapshotOf(slack: SlackReply[]): ThreadSnapshot {
  const listed = REPLIES.filter((_, i) => slack[i]!.listed);
  return {
    channel: CHANNEL,
    threadTs: thread4,
    asOfTs: AS_OF,
    listedTs: [thread4, ...listed],
    replies: REPLIES.flatMap((ts, i) => {
      const s = slack[i]!;
      if (!s.listed) return [];
      const v = versionTs(ts, s.version);
      return [
        {
          ts,
          user: 'UAUTHOR',
          threadTs: thread4,
          content: { text: textOf(ts, s.version), blockUrls: [], versionTs: v },
          thumbsUp: s.thumbsUp,
        },
      ];
    }),
  };
}

function applyAllEvents(states: Map<SlackTs, SubmissionState>, events: ChallengeEvent[]) {
  const next = new Map(states);
  for (const event of events) {
    const ts = event.kind === 'reaction' ? event.itemTs : event.ts;
    const state = applyEvent(next.get(ts), event, { config, threadWeek: week4 });
    next.set(ts, state);
  }
  return next;
}

describe('resyncEvents', () => {
  it('brings the store to the snapshot, never over what may be newer, idempotently, and once', () => {
    fc.assert(
      fc.property(world, ({ stored, slack, ignored }) => {
        const before = storedStates(stored);
        const snapshot = snapshotOf(slack);
        const ignoredReactors = new Set(ignored);
        const events = resyncEvents(snapshot, [...before.values()], { ignoredReactors });
        const after = applyAllEvents(before, events);

        // Stable, distinct ids; no ignored reactor in any event.
        expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
        for (const e of events) if (e.kind === 'reaction') expect(ignoredReactors.has(e.user)).toBe(false);

        REPLIES.forEach((ts, i) => {
          const was = before.get(ts);
          const now = after.get(ts);
          const s = slack[i]!;
          if (was?.deleted) {
            expect(now).toEqual(was); // a delete is final: nothing more happens to it
            return;
          }
          if (!s.listed) {
            const gone = was?.content !== undefined && compareTs(ts, AS_OF) < 0;
            if (gone) expect(now?.deleted).toBe(true);
            else expect(now).toEqual(was); // a reply posted after the read, or one never known
            return;
          }
          // The snapshot's version, or a newer one the store already had.
          const v = versionTs(ts, s.version);
          expect(now?.content).toBeDefined();
          expect(compareTs(now!.content!.versionTs, v)).toBeGreaterThanOrEqual(0);
          if (!was?.content || compareTs(was.content.versionTs, v) <= 0) {
            expect(now!.content!.versionTs).toBe(v);
          }
          for (const user of USERS) {
            const mark = was && Object.hasOwn(was.reactions, user) ? was.reactions[user] : undefined;
            const nowMark = Object.hasOwn(now!.reactions, user) ? now!.reactions[user] : undefined;
            if (mark && compareTs(mark.eventTs, AS_OF) >= 0) {
              expect(nowMark).toEqual(mark); // may come from after the read: a newer real event wins
            } else if (ignoredReactors.has(user)) {
              expect(nowMark).toEqual(mark);
            } else {
              expect(nowMark?.added ?? false).toBe(s.thumbsUp.includes(user));
            }
          }
        });

        // Twice is once.
        expect(applyAllEvents(after, events)).toEqual(after);
        // A second re-sync of the same snapshot over the repaired store finds nothing.
        expect(resyncEvents(snapshot, [...after.values()], { ignoredReactors })).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('the same snapshot over the same store gives the same events (the ids name content, not the instant)', () => {
    fc.assert(
      fc.property(world, ({ stored, slack }) => {
        const states = [...storedStates(stored).values()];
        expect(resyncEvents(snapshotOf(slack), states)).toEqual(resyncEvents(snapshotOf(slack), states));
      }),
      { numRuns: 100 },
    );
  });
});

describe('resyncEvents, by example', () => {
  const ts = REPLIES[0]!;
  const reply = (over: Partial<ThreadSnapshot['replies'][number]> = {}) => ({
    ts,
    user: 'UAUTHOR',
    threadTs: thread4,
    content: { text: textOf(ts, 0), blockUrls: [], versionTs: ts },
    thumbsUp: [] as string[],
    ...over,
  });
  const snapshot = (replies: ThreadSnapshot['replies']): ThreadSnapshot => ({
    channel: CHANNEL,
    threadTs: thread4,
    asOfTs: AS_OF,
    replies,
    listedTs: [thread4, ...replies.map((r) => r.ts)],
  });

  it('a missing reply is posted; one edited since is known as of its edit', () => {
    const [post] = resyncEvents(snapshot([reply()]), []);
    expect(post).toMatchObject({ kind: 'message_posted', eventId: `resync:${ts}:v:${ts}`, eventTs: ts });
    const edit = versionTs(ts, 2);
    const [late] = resyncEvents(
      snapshot([reply({ content: { text: 'x', blockUrls: [], versionTs: edit } })]),
      [],
    );
    expect(late).toMatchObject({ kind: 'message_edited', eventTs: edit, content: { versionTs: edit } });
  });

  it('a 👍 dated after the read start is left alone; one before it is repaired, dated by the read', () => {
    const afterRead = apply(undefined, [posted(ts, textOf(ts, 0)), reaction(ts, 'U1', true, at(5))])!;
    expect(resyncEvents(snapshot([reply()]), [afterRead])).toEqual([]);
    const beforeRead = apply(undefined, [posted(ts, textOf(ts, 0)), reaction(ts, 'U1', true, at(-5))])!;
    expect(resyncEvents(snapshot([reply()]), [beforeRead])).toEqual([
      {
        kind: 'reaction',
        eventId: `resync:${ts}:+1:U1:off:${at(-5)}`,
        eventTs: AS_OF,
        channel: CHANNEL,
        itemTs: ts,
        user: 'U1',
        added: false,
      },
    ]);
  });

  it('a reply the read lists but cannot read (malformed) is not taken for deleted', () => {
    const stored = apply(undefined, [posted(ts, textOf(ts, 0))])!;
    const listedOnly: ThreadSnapshot = { ...snapshot([]), listedTs: [thread4, ts] };
    expect(resyncEvents(listedOnly, [stored])).toEqual([]);
    expect(resyncEvents(snapshot([]), [stored])).toMatchObject([{ kind: 'message_deleted', ts }]);
  });

  it('counts what it repairs', () => {
    const events = resyncEvents(snapshot([reply({ thumbsUp: ['U1', 'U2'] })]), []);
    expect(countRepairs(events)).toEqual({
      replies: 1,
      edits: 0,
      deletes: 0,
      likesAdded: 2,
      likesRemoved: 0,
    });
  });
});
