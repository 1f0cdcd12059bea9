import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { weekByKey } from '../../functions/domain/calendar.js';
import {
  historyMonth,
  type MonthSummary,
  memberHistories,
  streaks,
  summarizeMonth,
} from '../../functions/domain/history.js';
import type { MonthResult } from '../../functions/domain/types.js';
import { ZONE } from './fixtures.js';

const week = (key: string) => {
  const w = weekByKey(key, ZONE);
  return { key: w.key, deadlineMs: w.deadlineMs };
};
const at = (iso: string) => Date.parse(iso);

describe('streaks', () => {
  // October 2026 has Mondays 5, 12, 19, 26; November 2, 9, 16, 23, 30 (a five-week month).
  const oct = ['2026-10-W1', '2026-10-W2', '2026-10-W3', '2026-10-W4'].map(week);
  const nov = ['2026-11-W1', '2026-11-W2', '2026-11-W3', '2026-11-W4', '2026-11-W5'].map(week);
  const all = [...oct, ...nov];
  const afterAll = at('2026-12-10T00:00:00+09:00');

  it('counts a run across a month boundary', () => {
    const taken = new Set(['2026-10-W3', '2026-10-W4', '2026-11-W1', '2026-11-W2']);
    expect(streaks(all, taken, afterAll)).toEqual({ current: 0, longest: 4 });
    const toTheEnd = new Set([...taken, '2026-11-W3', '2026-11-W4', '2026-11-W5']);
    expect(streaks(all, toTheEnd, afterAll)).toEqual({ current: 7, longest: 7 });
  });

  it('is not broken by a week without a post: such a week is not in the sequence', () => {
    // November's week 3 had no post: W2 and W4 are consecutive posted weeks.
    const posted = all.filter((w) => w.key !== '2026-11-W3');
    const taken = new Set(['2026-11-W1', '2026-11-W2', '2026-11-W4', '2026-11-W5']);
    expect(streaks(posted, taken, afterAll)).toEqual({ current: 4, longest: 4 });
    // With the post, missing it breaks the run.
    expect(streaks(all, taken, afterAll)).toEqual({ current: 2, longest: 2 });
  });

  it('ends the current streak with the latest closed week, or the open week once taken part in', () => {
    const duringW5 = at('2026-12-02T12:00:00+09:00');
    const taken = new Set(['2026-11-W3', '2026-11-W4']);
    // Week 5 is still open and not yet taken part in: the streak so far stands.
    expect(streaks(all, taken, duringW5)).toEqual({ current: 2, longest: 2 });
    expect(streaks(all, new Set([...taken, '2026-11-W5']), duringW5)).toEqual({ current: 3, longest: 3 });
    // Once week 5's deadline has passed without a submission, the streak is over.
    expect(streaks(all, taken, afterAll)).toEqual({ current: 0, longest: 2 });
  });

  it('keeps the longest run after a break', () => {
    const taken = new Set(['2026-10-W1', '2026-10-W2', '2026-10-W3', '2026-11-W4', '2026-11-W5']);
    expect(streaks(all, taken, afterAll)).toEqual({ current: 2, longest: 3 });
  });

  it('is zero for no weeks or no participation', () => {
    expect(streaks([], new Set(), afterAll)).toEqual({ current: 0, longest: 0 });
    expect(streaks(all, new Set(), afterAll)).toEqual({ current: 0, longest: 0 });
  });

  it('properties: current ≤ longest ≤ weeks taken part; taking part in every week gives all of them', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: all.length, maxLength: all.length }), (flags) => {
        const taken = new Set(all.filter((_, i) => flags[i]).map((w) => w.key));
        const { current, longest } = streaks(all, taken, afterAll);
        expect(current).toBeLessThanOrEqual(longest);
        expect(longest).toBeLessThanOrEqual(taken.size);
        // The current streak is the run of taken weeks at the end.
        let tail = 0;
        for (let i = all.length - 1; i >= 0 && flags[i]; i--) tail++;
        expect(current).toBe(tail);
      }),
    );
    expect(streaks(all, new Set(all.map((w) => w.key)), afterAll)).toEqual({ current: 9, longest: 9 });
  });
});

describe('month summaries and member histories', () => {
  const result = (members: MonthResult['members'], weeks: MonthResult['weeks']): MonthResult => {
    const challengers = members.filter((m) => m.challenger).map((m) => m.userId);
    return { members, weeks, challengers, specialChallengers: challengers.slice(0, 1) };
  };

  const october = summarizeMonth(
    '2026-10',
    ['2026-10-W3', '2026-10-W4'].map((k) => weekByKey(k, ZONE)),
    result(
      [
        {
          userId: 'UA',
          weeks: ['2026-10-W3', '2026-10-W4'],
          passes: [],
          submissions: 3,
          likes: 7,
          challenger: true,
        },
        { userId: 'UB', weeks: ['2026-10-W4'], passes: [], submissions: 1, likes: 2, challenger: false },
      ],
      [
        { key: '2026-10-W3', participants: 1, likes: 3 },
        { key: '2026-10-W4', participants: 2, likes: 6 },
      ],
    ),
  );
  const november = summarizeMonth(
    '2026-11',
    ['2026-11-W1', '2026-11-W2'].map((k) => weekByKey(k, ZONE)),
    result(
      [
        {
          userId: 'UB',
          weeks: ['2026-11-W1', '2026-11-W2'],
          passes: [],
          submissions: 2,
          likes: 4,
          challenger: true,
        },
        { userId: 'UA', weeks: ['2026-11-W2'], passes: [], submissions: 1, likes: 1, challenger: false },
      ],
      [
        { key: '2026-11-W1', participants: 1, likes: 2 },
        { key: '2026-11-W2', participants: 2, likes: 3 },
      ],
    ),
  );

  it('condenses a month into the history figures', () => {
    expect(historyMonth(october)).toStrictEqual({
      month: '2026-10',
      weeks: 2,
      participants: 2,
      submissions: 4,
      likes: 9,
      challengers: ['UA'],
      specialChallengers: ['UA'],
    });
  });

  it('adds members up across months, with challenger months newest first and streaks over all posted weeks', () => {
    const summaries: MonthSummary[] = [november, october];
    const histories = memberHistories(summaries, at('2026-12-01T00:00:00+09:00'));
    expect(histories).toStrictEqual([
      {
        userId: 'UA',
        weeksTakenPart: 3,
        submissions: 4,
        likes: 8,
        // W3, W4 of October, missed November's W1, took part in W2.
        currentStreak: 1,
        longestStreak: 2,
        challengerMonths: ['2026-10'],
      },
      {
        userId: 'UB',
        weeksTakenPart: 3,
        submissions: 3,
        likes: 6,
        currentStreak: 3,
        longestStreak: 3,
        challengerMonths: ['2026-11'],
      },
    ]);
  });

  it('gives the same histories whatever order the summaries come in', () => {
    const now = at('2026-12-01T00:00:00+09:00');
    expect(memberHistories([october, november], now)).toStrictEqual(
      memberHistories([november, october], now),
    );
  });
});
