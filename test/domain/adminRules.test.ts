import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseDeadlineArg,
  parseMonthArg,
  parseReplyLink,
  parseWeekArg,
} from '../../functions/domain/adminArgs.js';
import { monthResult } from '../../functions/domain/awards.js';
import { weekByKey, weeksOfMonth } from '../../functions/domain/calendar.js';
import { withExclusion } from '../../functions/domain/exclusion.js';
import { streaks, summarizeMonth } from '../../functions/domain/history.js';
import { countedLikes, countsForWeek, isLate, transitionEffects } from '../../functions/domain/submission.js';
import type { Week } from '../../functions/domain/types.js';
import {
  changeWeekRules,
  defaultWeekRules,
  effectiveWeek,
  MAX_EXTENSION_MS,
  requiredWeeks,
  type WeekRuleChange,
  type WeekRules,
} from '../../functions/domain/weekRules.js';
import { applyAll, config, LINK, posted, reaction, tsAt, week4, ZONE } from './fixtures.js';

const [w1, w2, w3, , w5] = weeksOfMonth('2026-11', ZONE) as [Week, Week, Week, Week, Week];
const nov = weeksOfMonth('2026-11', ZONE);

/** A reply with a link in `week`'s thread at Seoul local time `at`, liked by `likers`. */
function reply(author: string, week: Week, at: string, likers: string[] = []) {
  const ts = tsAt(at, 1 + (author.charCodeAt(1) % 100));
  const threadTs = tsAt(`${week.startsOn}T09:00:00`, 100);
  return applyAll(
    [
      posted(ts, LINK, { user: author, threadTs }),
      ...likers.map((liker, i) => reaction(ts, liker, true, `${Number(ts.split('.')[0]) + i + 1}.000000`)),
    ],
    { threadWeek: week },
  );
}

describe('parseWeekArg', () => {
  it('reads a week key and any date of that week, Monday to Sunday, in the configured zone', () => {
    expect(parseWeekArg('2026-11-W4', ZONE)).toEqual({ ok: true, value: week4 });
    for (const day of ['2026-11-23', '2026-11-25', '2026-11-29']) {
      expect(parseWeekArg(day, ZONE)).toEqual({ ok: true, value: week4 });
    }
    // A Sunday belongs to the week of the Monday before it, even when that Monday is in the previous month.
    expect(parseWeekArg('2026-11-01', ZONE)).toMatchObject({ ok: true, value: { key: '2026-10-W4' } });
  });

  it('refuses dates and keys that do not exist, and anything else', () => {
    for (const input of [
      '2026-02-30',
      '2026-13-01',
      '2026-11-W6',
      '2026-02-W5',
      '2026-11',
      'next week',
      '',
      '1999-12-31',
    ]) {
      expect(parseWeekArg(input, ZONE)).toEqual({ ok: false, error: { reason: 'bad_week', input } });
    }
  });

  it('maps every day of every week of a year to that week (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 364 }), (offset) => {
        const day = new Date(Date.UTC(2026, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
        const parsed = parseWeekArg(day, ZONE);
        if (!parsed.ok) return false;
        const week = parsed.value;
        return week.startsOn <= day && day <= weekByKey(week.key, ZONE).deadlineIso.slice(0, 10);
      }),
    );
  });
});

describe('parseDeadlineArg', () => {
  it('reads a local date and time as the last millisecond of that minute in the zone', () => {
    const parsed = parseDeadlineArg('2026-11-30', '12:00', week4, ZONE);
    expect(parsed).toEqual({ ok: true, value: Date.parse('2026-11-30T12:00:59.999+09:00') });
  });

  it('refuses impossible dates and times', () => {
    for (const [date, time] of [
      ['2026-02-30', '10:00'],
      ['2026-11-31', '10:00'],
      ['2026-11-30', '24:00'],
      ['2026-11-30', '12:60'],
      ['2026-11-30', '9:00'],
      ['30/11/2026', '10:00'],
    ] as const) {
      expect(parseDeadlineArg(date, time, week4, ZONE)).toEqual({
        ok: false,
        error: { reason: 'bad_deadline', input: `${date} ${time}` },
      });
    }
  });

  it('refuses a local time a DST change skips', () => {
    const week = weekByKey('2026-03-W4', 'Europe/Berlin'); // 23–29 March; clocks jump 02:00 → 03:00 on the 29th
    const nextDay = parseDeadlineArg('2026-03-30', '02:30', week, 'Europe/Berlin');
    expect(nextDay).toMatchObject({ ok: true });
    // 29 March is the week's own Sunday: a skipped time there is refused as not a time at all.
    expect(parseDeadlineArg('2026-03-29', '02:30', week, 'Europe/Berlin')).toMatchObject({
      ok: false,
      error: { reason: 'bad_deadline' },
    });
  });

  it('refuses a deadline not later than the week’s own, and one more than 7 days after it', () => {
    expect(parseDeadlineArg('2026-11-29', '23:59', week4, ZONE)).toEqual({
      ok: false,
      error: { reason: 'deadline_not_later', input: '2026-11-29 23:59', weekDeadlineIso: week4.deadlineIso },
    });
    expect(parseDeadlineArg('2026-11-25', '10:00', week4, ZONE)).toMatchObject({
      ok: false,
      error: { reason: 'deadline_not_later' },
    });
    expect(parseDeadlineArg('2026-12-06', '23:59', week4, ZONE)).toMatchObject({ ok: true });
    expect(parseDeadlineArg('2026-12-07', '00:00', week4, ZONE)).toMatchObject({
      ok: false,
      error: { reason: 'deadline_too_late', latestIso: '2026-12-06T23:59:59.999+09:00' },
    });
  });

  it('accepts exactly the minutes after the week’s deadline and within the limit (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -3 * 24 * 60, max: 10 * 24 * 60 }), (minutes) => {
        const at = new Date(week4.deadlineMs + 1 + minutes * 60_000 + 9 * 3_600_000).toISOString();
        const parsed = parseDeadlineArg(at.slice(0, 10), at.slice(11, 16), week4, ZONE);
        const deadlineMs = week4.deadlineMs + 1 + minutes * 60_000 + 59_999;
        const acceptable = minutes >= 0 && deadlineMs <= week4.deadlineMs + MAX_EXTENSION_MS;
        return parsed.ok === acceptable && (!parsed.ok || parsed.value === deadlineMs);
      }),
    );
  });
});

describe('parseReplyLink', () => {
  const reply = { channel: 'C0TIL', ts: '1795416000.123456' };

  it('reads a thread reply permalink, plain or as Slack wraps it', () => {
    const url =
      'https://myteam.slack.com/archives/C0TIL/p1795416000123456?thread_ts=1795400000.000100&cid=C0TIL';
    expect(parseReplyLink(url)).toEqual({ ok: true, value: reply });
    expect(parseReplyLink(`<${url}>`)).toEqual({ ok: true, value: reply });
    expect(parseReplyLink(`<${url}|link>`)).toEqual({ ok: true, value: reply });
    expect(parseReplyLink('https://app.slack.com/archives/C0TIL/p1795416000123456')).toEqual({
      ok: true,
      value: reply,
    });
  });

  it('refuses other hosts, schemes, paths and text', () => {
    for (const input of [
      'https://myteam.slack.com.evil.example/archives/C0TIL/p1795416000123456',
      'http://myteam.slack.com/archives/C0TIL/p1795416000123456',
      'https://myteam.slack.com/archives/C0TIL/p179541600012345',
      'https://myteam.slack.com/archives/C0TIL/1795416000.123456',
      'https://myteam.slack.com/files/C0TIL/p1795416000123456',
      '1795416000.123456',
      '',
    ]) {
      expect(parseReplyLink(input)).toEqual({ ok: false, error: { reason: 'bad_link', input } });
    }
  });
});

describe('parseMonthArg', () => {
  it('accepts YYYY-MM only', () => {
    expect(parseMonthArg('2026-11')).toEqual({ ok: true, value: '2026-11' });
    for (const input of ['2026-13', '2026-1', '26-11', 'november'])
      expect(parseMonthArg(input).ok).toBe(false);
  });
});

describe('week rules', () => {
  const change = fc.oneof(
    fc.constant<WeekRuleChange>({ kind: 'skip' }),
    fc.constant<WeekRuleChange>({ kind: 'unskip' }),
    fc
      .integer({ min: 1, max: MAX_EXTENSION_MS })
      .map((ms): WeekRuleChange => ({ kind: 'extend', deadlineMs: week4.deadlineMs + ms })),
  );

  it('a change applied twice is the change applied once, and the second returns the same object (property)', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 6 }), change, (history, last) => {
        const rules = history.reduce(changeWeekRules, defaultWeekRules as WeekRules);
        const once = changeWeekRules(rules, last);
        return changeWeekRules(once, last) === once;
      }),
    );
  });

  it('skip and unskip leave the extension alone; the last extension wins', () => {
    let rules = changeWeekRules(defaultWeekRules, { kind: 'extend', deadlineMs: week4.deadlineMs + 5 });
    rules = changeWeekRules(rules, { kind: 'skip' });
    expect(rules).toEqual({ skipped: true, extendedDeadlineMs: week4.deadlineMs + 5 });
    rules = changeWeekRules(rules, { kind: 'unskip' });
    rules = changeWeekRules(rules, { kind: 'extend', deadlineMs: week4.deadlineMs + 9 });
    expect(rules).toEqual({ skipped: false, extendedDeadlineMs: week4.deadlineMs + 9 });
  });

  it('effectiveWeek moves the deadline later only, and marks a skipped week', () => {
    const extendedMs = Date.parse('2026-11-30T12:00:59.999+09:00');
    const extended = effectiveWeek(week4, { skipped: false, extendedDeadlineMs: extendedMs }, ZONE);
    expect(extended).toEqual({
      ...week4,
      deadlineMs: extendedMs,
      deadlineIso: '2026-11-30T12:00:59.999+09:00',
    });
    expect(effectiveWeek(week4, { skipped: false, extendedDeadlineMs: week4.deadlineMs - 1 }, ZONE)).toEqual(
      week4,
    );
    expect(effectiveWeek(week4, undefined, ZONE)).toEqual(week4);
    expect(effectiveWeek(week4, { skipped: true }, ZONE)).toEqual({ ...week4, skipped: true });
    expect(effectiveWeek({ ...week4, skipped: true }, { skipped: false }, ZONE)).toEqual(week4);
    expect(requiredWeeks([week4, { ...w5, skipped: true }])).toEqual([week4]);
  });

  it('an extended deadline makes a reply after the week’s own deadline on time, and broadcast', () => {
    const late = reply('UA', week4, '2026-11-30T10:00:00');
    const extended = effectiveWeek(
      week4,
      { skipped: false, extendedDeadlineMs: Date.parse('2026-11-30T12:00:59.999+09:00') },
      ZONE,
    );
    expect(isLate(late, week4)).toBe(true);
    expect(countsForWeek(late, extended)).toBe(true);
    expect(isLate(late, extended)).toBe(false);
    expect(
      transitionEffects(undefined, late, { config, week: extended, memberAlreadyBroadcast: false }),
    ).toMatchObject([{ kind: 'broadcast', weekKey: week4.key, userId: 'UA' }]);
    const tooLate = reply('UB', week4, '2026-11-30T12:01:00');
    expect(countsForWeek(tooLate, extended)).toBe(false);
  });
});

describe('excluded submissions', () => {
  it('count for nothing until included again, and include restores the state exactly', () => {
    const state = reply('UA', week4, '2026-11-25T10:00:00', ['UB', 'UC']);
    const excluded = withExclusion(state, true);
    expect(countsForWeek(excluded, week4)).toBe(false);
    expect(countedLikes(excluded, config)).toBe(0);
    expect(monthResult([week4], [excluded], config).members).toEqual([]);
    const included = withExclusion(excluded, false);
    expect(included).toEqual(state);
    expect(countsForWeek(included, week4)).toBe(true);
    expect(countedLikes(included, config)).toBe(2);
  });

  it('is idempotent: the same object back when nothing changes', () => {
    const state = reply('UA', week4, '2026-11-25T10:00:00');
    expect(withExclusion(state, false)).toBe(state);
    const excluded = withExclusion(state, true);
    expect(withExclusion(excluded, true)).toBe(excluded);
  });

  it('an excluded reply causes no broadcast and no like DM', () => {
    const state = withExclusion(reply('UA', week4, '2026-11-25T10:00:00'), true);
    expect(
      transitionEffects(undefined, state, { config, week: week4, memberAlreadyBroadcast: false }),
    ).toEqual([]);
    const liked = applyAll([reaction(state.replyTs, 'UB', true, '1795500000.000000')], { state });
    expect(transitionEffects(state, liked, { config, week: week4, memberAlreadyBroadcast: true })).toEqual(
      [],
    );
  });
});

describe('skipped weeks in the month rules', () => {
  it('a skipped week is not needed to be a challenger; taking part in it still counts as a week and likes', () => {
    const skipped = { ...w2, skipped: true as const };
    const posted = [w1, skipped, w3];
    const submissions = [
      reply('UA', w1, '2026-11-03T10:00:00'),
      reply('UA', w3, '2026-11-17T10:00:00', ['UC']),
      reply('UB', w1, '2026-11-03T11:00:00'),
      reply('UB', w2, '2026-11-10T11:00:00', ['UC', 'UD']),
      reply('UB', w3, '2026-11-17T11:00:00'),
      reply('UC', w2, '2026-11-10T12:00:00'),
    ];
    const result = monthResult(posted, submissions, config);
    expect(result.challengers.sort()).toEqual(['UA', 'UB']);
    expect(result.specialChallengers).toEqual(['UB']);
    expect(result.members.find((m) => m.userId === 'UB')?.weeks).toEqual([w1.key, w2.key, w3.key]);
    expect(result.members.find((m) => m.userId === 'UC')?.challenger).toBe(false);
    expect(result.weeks.find((w) => w.key === w2.key)).toEqual({ key: w2.key, participants: 2, likes: 2 });
  });

  it('when every posted week is skipped there are no challengers', () => {
    const result = monthResult([{ ...w1, skipped: true }], [reply('UA', w1, '2026-11-03T10:00:00')], config);
    expect(result.challengers).toEqual([]);
  });

  it('skipping a week never turns a challenger into a non-challenger (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('UA', 'UB', 'UC'), fc.integer({ min: 0, max: 4 })), {
          maxLength: 12,
        }),
        fc.integer({ min: 0, max: 4 }),
        (entries, skipIndex) => {
          const submissions = entries.map(([author, i], n) =>
            reply(author, nov[i]!, `${nov[i]!.startsOn}T1${n % 10}:00:00`),
          );
          const before = monthResult(nov, submissions, config).challengers;
          const weeks = nov.map((w, i) => (i === skipIndex ? { ...w, skipped: true as const } : w));
          const after = monthResult(weeks, submissions, config).challengers;
          return before.every((userId) => after.includes(userId));
        },
      ),
    );
  });

  it('streaks run past a skipped week: it neither counts nor breaks', () => {
    const weeks = [
      { key: 'a', deadlineMs: 1 },
      { key: 'b', deadlineMs: 2, skipped: true },
      { key: 'c', deadlineMs: 3 },
    ];
    expect(streaks(weeks, new Set(['a', 'c']), 10)).toEqual({ current: 2, longest: 2 });
    expect(streaks(weeks, new Set(['a', 'b', 'c']), 10)).toEqual({ current: 2, longest: 2 });
    expect(streaks(weeks, new Set(['b']), 10)).toEqual({ current: 0, longest: 0 });
  });

  it('a month summary keeps which weeks were skipped', () => {
    const posted = [w1, { ...w2, skipped: true as const }];
    const summary = summarizeMonth('2026-11', posted, monthResult(posted, [], config));
    expect(summary.weeks.map((w) => w.skipped)).toEqual([undefined, true]);
  });
});
