import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { monthResult } from '../../functions/domain/awards.js';
import { monthOfWeekKey, weekByKey, weeksOfMonth } from '../../functions/domain/calendar.js';
import { memberHistories, streaks, summarizeMonth } from '../../functions/domain/history.js';
import {
  effectivePasses,
  type PassContext,
  passDecision,
  passesLeft,
  undoDecision,
  weekStanding,
} from '../../functions/domain/passes.js';
import type { Week, WeekKey } from '../../functions/domain/types.js';
import { applyAll, config, LINK, posted, tsAt, ZONE } from './fixtures.js';

/** November 2026 has five Mondays (2, 9, 16, 23, 30); December four (7, 14, 21, 28). */
const nov = weeksOfMonth('2026-11', ZONE);
const dec = weeksOfMonth('2026-12', ZONE);
const [n1, n2, n3, n4, n5] = nov as [Week, Week, Week, Week, Week];
const [d1, d2] = dec as [Week, Week];
const keys = (weeks: Week[]) => weeks.map((w) => w.key);
/** Wednesday noon of the week: inside it. */
const midweek = (week: Week) => week.startMs + 2.5 * 24 * 3600_000;

function ctx(week: Week, over: Partial<PassContext> = {}): PassContext {
  return {
    limit: 2,
    week,
    atMs: midweek(week),
    postedWeeks: keys([...nov, ...dec]),
    passes: new Set(),
    takenPart: new Set(),
    ...over,
  };
}

describe('passDecision', () => {
  it('allows a pass during a posted, open week the member has not taken part in', () => {
    expect(passDecision(ctx(n3))).toEqual({ ok: true });
  });

  it('refuses when passes are off (PASSES_PER_MONTH=0)', () => {
    expect(passDecision(ctx(n3, { limit: 0 }))).toEqual({ ok: false, refusal: { reason: 'passes_off' } });
  });

  it('refuses after the deadline and before the week begins', () => {
    expect(passDecision(ctx(n3, { atMs: n3.deadlineMs + 1 }))).toEqual({
      ok: false,
      refusal: { reason: 'week_closed', weekKey: n3.key },
    });
    expect(passDecision(ctx(n3, { atMs: n3.startMs - 1 })).ok).toBe(false);
    // The last millisecond of the week still counts.
    expect(passDecision(ctx(n3, { atMs: n3.deadlineMs }))).toEqual({ ok: true });
  });

  it('refuses a week that has no weekly post', () => {
    const postedWeeks = keys([n1, n2, n4]);
    expect(passDecision(ctx(n3, { postedWeeks }))).toEqual({
      ok: false,
      refusal: { reason: 'week_not_posted', weekKey: n3.key },
    });
  });

  it('refuses a week the member already took part in', () => {
    expect(passDecision(ctx(n3, { takenPart: new Set([n3.key]) }))).toEqual({
      ok: false,
      refusal: { reason: 'already_submitted', weekKey: n3.key },
    });
  });

  it('refuses two passes in a row, naming the adjacent week', () => {
    expect(passDecision(ctx(n4, { passes: new Set([n3.key]) }))).toEqual({
      ok: false,
      refusal: { reason: 'consecutive', weekKey: n4.key, adjacentWeekKey: n3.key },
    });
    // The week after counts too (a pass recorded there would make two in a row).
    expect(passDecision(ctx(n2, { passes: new Set([n3.key]) }))).toMatchObject({
      refusal: { reason: 'consecutive', adjacentWeekKey: n3.key },
    });
  });

  it('refuses two passes in a row across a month boundary (November W5, then December W1)', () => {
    expect(passDecision(ctx(d1, { passes: new Set([n5.key]) }))).toEqual({
      ok: false,
      refusal: { reason: 'consecutive', weekKey: d1.key, adjacentWeekKey: n5.key },
    });
  });

  it('treats posted weeks around a week without a post as consecutive', () => {
    const postedWeeks = keys([n1, n3, n4]);
    expect(passDecision(ctx(n3, { postedWeeks, passes: new Set([n1.key]) }))).toMatchObject({
      refusal: { reason: 'consecutive', adjacentWeekKey: n1.key },
    });
  });

  it('allows a pass every other week', () => {
    expect(passDecision(ctx(n3, { passes: new Set([n1.key]) }))).toEqual({ ok: true });
  });

  it('gives a pass back when the member took part in that week after all', () => {
    const passes = new Set([n3.key]);
    const takenPart = new Set([n3.key]);
    expect(effectivePasses(passes, takenPart)).toEqual(new Set());
    // Not "two in a row" any more, and not counted against the limit.
    expect(passDecision(ctx(n4, { passes, takenPart }))).toEqual({ ok: true });
    expect(passesLeft(2, '2026-11', passes, takenPart)).toBe(2);
  });

  it('refuses beyond the monthly limit in a five-week month, listing the passes used', () => {
    const passes = new Set([n1.key, n3.key]);
    expect(passDecision(ctx(n5, { passes }))).toEqual({
      ok: false,
      refusal: { reason: 'monthly_limit', month: '2026-11', limit: 2, used: [n1.key, n3.key] },
    });
    expect(passDecision(ctx(n5, { passes, limit: 3 }))).toEqual({ ok: true });
    expect(passesLeft(2, '2026-11', passes, new Set())).toBe(0);
  });

  it('counts a pass in the month of its week: November W5 (ending in December) is November’s', () => {
    const passes = new Set([n5.key]);
    // Thursday 3 December is in November's fifth week.
    const atMs = Date.parse('2026-12-03T12:00:00+09:00');
    expect(passDecision(ctx(n5, { atMs, passes: new Set([n1.key]), limit: 1 }))).toMatchObject({
      refusal: { reason: 'monthly_limit', month: '2026-11' },
    });
    expect(passesLeft(1, '2026-12', passes, new Set())).toBe(1);
    expect(passDecision(ctx(d2, { passes, limit: 1 }))).toEqual({ ok: true });
  });

  it('allows asking again for a week already passed (nothing changes)', () => {
    expect(passDecision(ctx(n3, { passes: new Set([n3.key]), limit: 1 }))).toEqual({ ok: true });
  });
});

describe('undoDecision', () => {
  it('undoes a pass before the deadline', () => {
    expect(undoDecision({ week: n3, atMs: midweek(n3), passes: new Set([n3.key]) })).toEqual({ ok: true });
  });
  it('refuses without a pass, and after the deadline', () => {
    expect(undoDecision({ week: n3, atMs: midweek(n3), passes: new Set() })).toEqual({
      ok: false,
      refusal: { reason: 'not_passed', weekKey: n3.key },
    });
    expect(undoDecision({ week: n3, atMs: n3.deadlineMs + 1, passes: new Set([n3.key]) })).toEqual({
      ok: false,
      refusal: { reason: 'week_closed', weekKey: n3.key },
    });
  });
});

describe('weekStanding', () => {
  it('is took_part, passed, open or missed', () => {
    const now = midweek(n3);
    expect(weekStanding(n1, new Set([n1.key]), new Set(), now)).toBe('took_part');
    expect(weekStanding(n2, new Set(), new Set([n2.key]), now)).toBe('passed');
    expect(weekStanding(n3, new Set(), new Set(), now)).toBe('open');
    expect(weekStanding(n1, new Set(), new Set(), now)).toBe('missed');
  });
});

let replyCounter = 0;
/** A reply with a link in `week`'s thread on its Monday noon. */
const submit = (author: string, week: Week) => {
  const ts = tsAt(`${week.startsOn}T12:00:00`, ++replyCounter);
  return applyAll([posted(ts, LINK, { user: author, threadTs: tsAt(`${week.startsOn}T09:00:00`, 1) })], {
    threadWeek: week,
  });
};

describe('challengers with passes (five-week month)', () => {
  it('a pass counts as taking part; it is no submission and has no likes; a given-back pass is not listed', () => {
    const submissions = [
      // UA: every week but W3, which they passed.
      ...[n1, n2, n4, n5].map((w) => submit('UA', w)),
      // UB: passed W2 and W4, took part in the rest.
      ...[n1, n3, n5].map((w) => submit('UB', w)),
      // UC: passed W3 and then took part in it anyway; missed W5.
      ...[n1, n2, n3, n4].map((w) => submit('UC', w)),
      // UD: only passed.
    ];
    const passes = [
      { userId: 'UA', weekKey: n3.key },
      { userId: 'UB', weekKey: n2.key },
      { userId: 'UB', weekKey: n4.key },
      { userId: 'UC', weekKey: n3.key },
      { userId: 'UD', weekKey: n1.key },
      // A pass for a week that was never posted counts for nothing.
      { userId: 'UD', weekKey: '2026-11-W9' },
    ];
    const result = monthResult(nov, submissions, config, passes);
    expect(result.challengers.sort()).toEqual(['UA', 'UB']);
    const byId = new Map(result.members.map((m) => [m.userId, m]));
    expect(byId.get('UA')).toMatchObject({ passes: [n3.key], submissions: 4, challenger: true });
    expect(byId.get('UB')).toMatchObject({ passes: [n2.key, n4.key], submissions: 3, challenger: true });
    expect(byId.get('UC')).toMatchObject({ passes: [], weeks: keys([n1, n2, n3, n4]), challenger: false });
    expect(byId.get('UD')).toMatchObject({ passes: [n1.key], weeks: [], submissions: 0, likes: 0 });
    // Passes are not participants.
    expect(result.weeks.find((w) => w.key === n3.key)?.participants).toBe(2);
  });

  it('over the weeks posted so far', () => {
    const result = monthResult([n1, n2], [submit('UA', n1)], config, [{ userId: 'UA', weekKey: n2.key }]);
    expect(result.challengers).toEqual(['UA']);
  });
});

describe('streaks with passes', () => {
  const weeks = [...nov, ...dec].map((w) => ({ key: w.key, deadlineMs: w.deadlineMs }));
  it('a pass keeps the streak going, and history counts it for streaks only', () => {
    const now = midweek(d1);
    const novSummary = summarizeMonth(
      '2026-11',
      nov,
      monthResult(
        nov,
        [n1, n2, n4, n5].map((w) => submit('UA', w)),
        config,
        [{ userId: 'UA', weekKey: n3.key }],
      ),
    );
    const [ua] = memberHistories([novSummary], now);
    expect(ua).toMatchObject({ weeksTakenPart: 4, currentStreak: 5, longestStreak: 5 });
  });

  it('the current week counts once passed, an open week without anything breaks nothing', () => {
    const now = midweek(d1);
    expect(streaks(weeks, new Set([...keys(nov), d1.key]), now)).toEqual({ current: 6, longest: 6 });
    expect(streaks(weeks, new Set(keys(nov)), now)).toEqual({ current: 5, longest: 5 });
    expect(streaks(weeks, new Set(keys([n1, n2, n4, n5])), now)).toEqual({ current: 2, longest: 2 });
  });

  it('a week without a post breaks nothing', () => {
    const postedOnly = weeks.filter((w) => w.key !== n3.key);
    expect(streaks(postedOnly, new Set(keys([n1, n2, n4])), midweek(n5))).toEqual({ current: 3, longest: 3 });
  });
});

/** Properties over random attempts by one member across November and December. */
describe('pass rules (properties)', () => {
  const all = [...nov, ...dec];
  const attempt = fc.record({
    week: fc.integer({ min: 0, max: all.length - 1 }),
    submitted: fc.boolean(),
  });

  it('whatever the member tries, passes in force are never in consecutive posted weeks and never over the limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.subarray(keys(all), { minLength: 1 }),
        fc.array(attempt, { maxLength: 20 }),
        (limit, postedWeeks, attempts) => {
          const passes = new Set<WeekKey>();
          const takenPart = new Set<WeekKey>();
          // Weeks go by in order: attempts are sorted by week, as the calendar would make them.
          for (const a of [...attempts].sort((x, y) => x.week - y.week)) {
            const week = all[a.week]!;
            const decision = passDecision({
              limit,
              week,
              atMs: midweek(week),
              postedWeeks,
              passes,
              takenPart,
            });
            if (decision.ok) passes.add(week.key);
            if (a.submitted && postedWeeks.includes(week.key)) takenPart.add(week.key);
            if (!decision.ok && decision.refusal.reason === 'week_not_posted') {
              expect(postedWeeks).not.toContain(week.key);
            }
          }
          const inForce = effectivePasses(passes, takenPart);
          const ordered = postedWeeks;
          for (let i = 1; i < ordered.length; i++) {
            expect(inForce.has(ordered[i]!) && inForce.has(ordered[i - 1]!)).toBe(false);
          }
          for (const month of ['2026-11', '2026-12']) {
            expect([...inForce].filter((k) => monthOfWeekKey(k) === month).length).toBeLessThanOrEqual(limit);
            expect(passesLeft(limit, month, passes, takenPart)).toBeGreaterThanOrEqual(0);
          }
          for (const key of inForce) expect(takenPart.has(key)).toBe(false);
        },
      ),
    );
  });

  it('passes never shorten a streak, and the current streak never exceeds the longest', () => {
    const weeks = all.map((w) => ({ key: w.key, deadlineMs: w.deadlineMs }));
    fc.assert(
      fc.property(
        fc.subarray(keys(all)),
        fc.subarray(keys(all)),
        fc.integer({ min: 0, max: all.length - 1 }),
        (taken, passed, nowIndex) => {
          const now = midweek(weekByKey(all[nowIndex]!.key, ZONE));
          const without = streaks(weeks, new Set(taken), now);
          const withPasses = streaks(weeks, new Set([...taken, ...passed]), now);
          expect(withPasses.current).toBeGreaterThanOrEqual(without.current);
          expect(withPasses.longest).toBeGreaterThanOrEqual(without.longest);
          expect(withPasses.current).toBeLessThanOrEqual(withPasses.longest);
        },
      ),
    );
  });
});

describe('skipped weeks (SPEC 9) and passes', () => {
  it('a skipped week needs no pass, and the weeks around it are consecutive', () => {
    const skippedWeeks = new Set([n3.key]);
    expect(passDecision(ctx(n3, { skippedWeeks }))).toEqual({
      ok: false,
      refusal: { reason: 'week_skipped', weekKey: n3.key },
    });
    expect(passDecision(ctx(n4, { skippedWeeks, passes: new Set([n2.key]) }))).toMatchObject({
      refusal: { reason: 'consecutive', adjacentWeekKey: n2.key },
    });
  });
});
