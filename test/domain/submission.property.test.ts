import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTs, tsToMs } from '../../functions/domain/calendar.js';
import {
  applyEvent,
  countedLikes,
  countsForWeek,
  isLate,
  transitionEffects,
} from '../../functions/domain/submission.js';
import type { ChallengeEvent, RulesConfig, SubmissionState } from '../../functions/domain/types.js';
import { config, deleted, edited, posted, reaction, selfLikes, tsAt, week4 } from './fixtures.js';

/** Friday of week 4, two and a half days before its deadline, so edits land on both sides of it. */
const reply = tsAt('2026-11-27T10:00:00', 1);
const replySeconds = Number(reply.split('.')[0]);
const USERS = ['UAUTHOR', 'U2', 'U3', 'U4'];
const TEXTS = [
  { text: '<https://velog.io/@me/a|a>', hasLink: true },
  { text: 'https://me.github.io/b', hasLink: true },
  { text: '정리 중', hasLink: false },
  { text: '<https://velog.io.evil.example/x>', hasLink: false },
];
/** Offsets in seconds after the reply: up to ~5 days, so past the deadline at +2 days 14 h. */
const offset = fc.integer({ min: 1, max: 5 * 24 * 3600 });
const tsAfter = (seconds: number, micros = 0) =>
  `${replySeconds + seconds}.${String(micros).padStart(6, '0')}`;

interface Scenario {
  post?: { textIndex: number };
  edits: { at: number; textIndex: number }[];
  reactions: { user: string; added: boolean; at: number; micros: number }[];
  deleteAt?: number;
}

const scenario: fc.Arbitrary<Scenario> = fc.record(
  {
    post: fc.record({ textIndex: fc.nat(TEXTS.length - 1) }),
    edits: fc.uniqueArray(fc.record({ at: offset, textIndex: fc.nat(TEXTS.length - 1) }), {
      maxLength: 5,
      selector: (edit) => edit.at,
    }),
    // Times from a small range so that the same user often has several marks, some at exactly the same ts.
    reactions: fc.array(
      fc.record({
        user: fc.constantFrom(...USERS),
        added: fc.boolean(),
        at: fc.integer({ min: 1, max: 20 }),
        micros: fc.nat(2),
      }),
      { maxLength: 12 },
    ),
    deleteAt: offset,
  },
  { requiredKeys: ['edits', 'reactions'] },
);

function eventsOf(s: Scenario): ChallengeEvent[] {
  return [
    ...(s.post ? [posted(reply, TEXTS[s.post.textIndex]!.text)] : []),
    ...s.edits.map((edit) => edited(reply, tsAfter(edit.at), TEXTS[edit.textIndex]!.text)),
    ...s.reactions.map((r) => reaction(reply, r.user, r.added, tsAfter(r.at, r.micros))),
    ...(s.deleteAt === undefined ? [] : [deleted(reply, tsAfter(s.deleteAt))]),
  ];
}

function run(events: ChallengeEvent[], rules: RulesConfig = config): SubmissionState | undefined {
  let state: SubmissionState | undefined;
  for (const event of events) state = applyEvent(state, event, { config: rules, threadWeek: week4 });
  return state;
}

/** What the rules say, computed directly from the scenario rather than through the state machine. */
function expected(s: Scenario, rules: RulesConfig) {
  const versions = [
    ...(s.post ? [{ ts: reply, hasLink: TEXTS[s.post.textIndex]!.hasLink }] : []),
    ...s.edits.map((edit) => ({ ts: tsAfter(edit.at), hasLink: TEXTS[edit.textIndex]!.hasLink })),
  ].sort((a, b) => compareTs(a.ts, b.ts));
  let linkedSince: string | undefined;
  for (const version of versions) linkedSince = version.hasLink ? (linkedSince ?? version.ts) : undefined;
  const alive = versions.length > 0 && s.deleteAt === undefined && linkedSince !== undefined;

  const latestByUser = new Map<string, { added: boolean; ts: string }>();
  for (const r of s.reactions) {
    const ts = tsAfter(r.at, r.micros);
    const previous = latestByUser.get(r.user);
    const order = previous ? compareTs(ts, previous.ts) : 1;
    if (order > 0 || (order === 0 && !r.added)) latestByUser.set(r.user, { added: r.added, ts });
  }
  const likers = [...latestByUser].filter(
    ([user, mark]) => mark.added && (rules.countSelfLikes || user !== 'UAUTHOR'),
  );
  const onTime = linkedSince !== undefined && tsToMs(linkedSince) <= week4.deadlineMs;
  return {
    likes: alive ? likers.length : 0,
    counts: alive && onTime,
    late: alive && !onTime,
  };
}

/** The events in the given order, with some of them delivered again at random places. */
const deliveries = (events: ChallengeEvent[]) =>
  fc
    .tuple(
      fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }),
    )
    .map(([order, repeats]) => {
      const result = [...order];
      for (const [which, where] of repeats) {
        if (order.length > 0) result.splice(where % (result.length + 1), 0, order[which % order.length]!);
      }
      return result;
    });

describe('submission state machine is order-independent', () => {
  it('gives the same state, likes and participation for every order of delivery, with repeats', () => {
    fc.assert(
      fc.property(
        scenario.chain((s) => {
          const events = eventsOf(s);
          return fc.tuple(fc.constant(s), fc.constant(events), deliveries(events));
        }),
        fc.constantFrom(config, selfLikes),
        ([s, listed, delivered], rules) => {
          const reference = run(listed, rules);
          const state = run(delivered, rules);
          expect(state).toEqual(reference);
          if (!state) return;
          const want = expected(s, rules);
          expect(countedLikes(state, rules)).toBe(want.likes);
          expect(countsForWeek(state, week4)).toBe(want.counts);
          expect(isLate(state, week4)).toBe(want.late);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('broadcasts once when the reply ends up counting, and never repeats a like DM id', () => {
    fc.assert(
      fc.property(
        scenario.chain((s) => deliveries(eventsOf(s))),
        (delivered) => {
          let state: SubmissionState | undefined;
          let broadcasts = 0;
          const likeDmIds: string[] = [];
          for (const event of delivered) {
            const after = applyEvent(state, event, { config, threadWeek: week4 });
            for (const effect of transitionEffects(state, after, {
              config,
              week: week4,
              memberAlreadyBroadcast: broadcasts > 0,
            })) {
              if (effect.kind === 'broadcast') broadcasts += 1;
              else likeDmIds.push(effect.id);
            }
            state = after;
          }
          expect(broadcasts).toBeLessThanOrEqual(1);
          if (state && countsForWeek(state, week4)) expect(broadcasts).toBe(1);
          expect(new Set(likeDmIds).size).toBe(likeDmIds.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
