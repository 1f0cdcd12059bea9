import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  compareTs,
  monthOfWeekKey,
  parseMonthKey,
  previousMonth,
  routingMonth,
  routingMonthOfTs,
  tsToMs,
  weekByKey,
  weekOfInstant,
  weekOfTs,
  weeksOfMonth,
} from '../../functions/domain/calendar.js';
import type { ChallengeEvent } from '../../functions/domain/types.js';

const SEOUL = 'Asia/Seoul';
const NEW_YORK = 'America/New_York';
const at = (iso: string) => Date.parse(iso);
/** Slack ts of an ISO instant (with microseconds appended). */
const tsAt = (iso: string, micros = '000100') => `${at(iso) / 1000}.${micros}`;

describe('tsToMs / compareTs', () => {
  it('converts seconds.micros to epoch ms, truncating micros', () => {
    expect(tsToMs('1793577600.000100')).toBe(1793577600000);
    expect(tsToMs('1793577600.123999')).toBe(1793577600123);
    expect(tsToMs('1793577600')).toBe(1793577600000);
    expect(tsToMs('1793577600.5')).toBe(1793577600500);
  });

  it('rejects malformed ts', () => {
    for (const bad of ['', 'abc', '1.2.3', '-1.000001', '1793577600.1234567', ' 1793577600.000100']) {
      expect(() => tsToMs(bad), bad).toThrow(/malformed Slack ts/);
    }
  });

  it('compares numerically, seconds then micros', () => {
    expect(compareTs('1793577600.000100', '1793577600.000100')).toBe(0);
    expect(compareTs('1793577600.000099', '1793577600.000100')).toBeLessThan(0);
    expect(compareTs('999999999.999999', '1000000000.000000')).toBeLessThan(0);
    expect(compareTs('1793577601.000000', '1793577600.999999')).toBeGreaterThan(0);
    // Same ms, different micros: ordering must not be lost to ms truncation.
    expect(compareTs('1793577600.000101', '1793577600.000100')).toBeGreaterThan(0);
    expect(compareTs('1793577600.1', '1793577600.100000')).toBe(0);
  });
});

describe('weekOfInstant', () => {
  it('describes the week of a mid-month instant in Seoul', () => {
    expect(weekOfInstant(at('2026-11-25T12:00:00+09:00'), SEOUL)).toEqual({
      key: '2026-11-W4',
      month: '2026-11',
      ordinal: 4,
      label: 'TIL 11월 4주차',
      startsOn: '2026-11-23',
      startMs: at('2026-11-23T00:00:00+09:00'),
      deadlineMs: at('2026-11-29T23:59:59.999+09:00'),
      deadlineIso: '2026-11-29T23:59:59.999+09:00',
    });
  });

  it('puts a week whose Sunday is in the next month in the month of its Monday', () => {
    const week = weekOfInstant(at('2026-12-03T08:00:00+09:00'), SEOUL);
    expect(week.key).toBe('2026-11-W5');
    expect(week.label).toBe('TIL 11월 5주차');
    expect(week.startsOn).toBe('2026-11-30');
    expect(week.deadlineIso).toBe('2026-12-06T23:59:59.999+09:00');
  });

  it('writes a one-digit month without a leading zero in the label', () => {
    const week = weekOfInstant(at('2026-03-02T00:00:00+09:00'), SEOUL);
    expect(week.key).toBe('2026-03-W1');
    expect(week.label).toBe('TIL 3월 1주차');
  });

  it('puts Jan 1–3 2027 in the last December 2026 week (Dec 28 is its 4th Monday)', () => {
    for (const day of ['2027-01-01', '2027-01-02', '2027-01-03']) {
      const week = weekOfInstant(at(`${day}T12:00:00+09:00`), SEOUL);
      expect(week.key, day).toBe('2026-12-W4');
      expect(week.startsOn).toBe('2026-12-28');
      expect(week.deadlineIso).toBe('2027-01-03T23:59:59.999+09:00');
    }
    expect(weekOfInstant(at('2027-01-04T00:00:00+09:00'), SEOUL).key).toBe('2027-01-W1');
  });

  it('switches week exactly at Monday midnight local', () => {
    const monday = at('2026-11-30T00:00:00+09:00');
    expect(weekOfInstant(monday - 1, SEOUL).key).toBe('2026-11-W4');
    expect(weekOfInstant(monday, SEOUL).key).toBe('2026-11-W5');
    expect(weekOfInstant(monday + 1, SEOUL).key).toBe('2026-11-W5');
    expect(weekOfInstant(monday - 1, SEOUL).deadlineMs).toBe(monday - 1);
    expect(weekOfInstant(monday, SEOUL).startMs).toBe(monday);
  });

  it('depends on the configured zone, not on the server zone', () => {
    // Monday 2026-11-30 05:00 in Seoul is still Sunday 2026-11-29 15:00 in New York.
    const instant = at('2026-11-29T20:00:00Z');
    expect(weekOfInstant(instant, SEOUL).key).toBe('2026-11-W5');
    expect(weekOfInstant(instant, NEW_YORK).key).toBe('2026-11-W4');
    expect(weekOfInstant(instant, NEW_YORK).deadlineIso).toBe('2026-11-29T23:59:59.999-05:00');
  });

  it('handles the New York spring-forward week (Sunday 2026-03-08)', () => {
    const week = weekOfInstant(at('2026-03-08T12:00:00-04:00'), NEW_YORK);
    expect(week.key).toBe('2026-03-W1');
    expect(week.startsOn).toBe('2026-03-02');
    expect(week.startMs).toBe(at('2026-03-02T00:00:00-05:00'));
    expect(week.deadlineIso).toBe('2026-03-08T23:59:59.999-04:00');
    expect(week.deadlineMs).toBe(at('2026-03-08T23:59:59.999-04:00'));
    // One hour shorter than 7 days.
    expect(week.deadlineMs + 1 - week.startMs).toBe((7 * 24 - 1) * 3600_000);
    expect(weekOfInstant(at('2026-03-09T00:00:00-04:00'), NEW_YORK).key).toBe('2026-03-W2');
    expect(weekOfInstant(at('2026-03-09T00:00:00-04:00') - 1, NEW_YORK).key).toBe('2026-03-W1');
  });

  it('handles the New York fall-back week (Sunday 2026-11-01)', () => {
    const week = weekOfInstant(at('2026-11-01T01:30:00-05:00'), NEW_YORK);
    expect(week.key).toBe('2026-10-W4');
    expect(week.label).toBe('TIL 10월 4주차');
    expect(week.startsOn).toBe('2026-10-26');
    expect(week.startMs).toBe(at('2026-10-26T00:00:00-04:00'));
    expect(week.deadlineIso).toBe('2026-11-01T23:59:59.999-05:00');
    expect(week.deadlineMs + 1 - week.startMs).toBe((7 * 24 + 1) * 3600_000);
    expect(weekOfInstant(at('2026-11-02T00:00:00-05:00'), NEW_YORK).key).toBe('2026-11-W1');
  });

  it('rejects an unknown zone', () => {
    expect(() => weekOfInstant(0, 'Mars/Olympus_Mons')).toThrow(/invalid time zone/);
  });
});

describe('weekOfTs', () => {
  it('uses the ts instant', () => {
    expect(weekOfTs('1793577600.000100', SEOUL).key).toBe('2026-11-W1');
    expect(weekOfTs(tsAt('2026-11-29T23:59:59+09:00', '999999'), SEOUL).key).toBe('2026-11-W4');
    expect(weekOfTs(tsAt('2026-11-30T00:00:00+09:00', '000000'), SEOUL).key).toBe('2026-11-W5');
  });
});

describe('weeksOfMonth', () => {
  it('lists the five weeks of November 2026 (Mondays 2, 9, 16, 23, 30)', () => {
    const weeks = weeksOfMonth('2026-11', SEOUL);
    expect(weeks.map((w) => w.key)).toEqual([
      '2026-11-W1',
      '2026-11-W2',
      '2026-11-W3',
      '2026-11-W4',
      '2026-11-W5',
    ]);
    expect(weeks.map((w) => w.startsOn)).toEqual([
      '2026-11-02',
      '2026-11-09',
      '2026-11-16',
      '2026-11-23',
      '2026-11-30',
    ]);
    expect(weeks.map((w) => w.ordinal)).toEqual([1, 2, 3, 4, 5]);
  });

  it('lists the four weeks of February 2026', () => {
    expect(weeksOfMonth('2026-02', SEOUL).map((w) => w.startsOn)).toEqual([
      '2026-02-02',
      '2026-02-09',
      '2026-02-16',
      '2026-02-23',
    ]);
  });

  it('starts a month at its first Monday even when that is on day 7', () => {
    // 2026-09-01 is a Tuesday.
    expect(weeksOfMonth('2026-09', SEOUL)[0]?.startsOn).toBe('2026-09-07');
    // 2026-06-01 is a Monday.
    expect(weeksOfMonth('2026-06', SEOUL)[0]?.startsOn).toBe('2026-06-01');
  });

  it('rejects a malformed month', () => {
    expect(() => weeksOfMonth('2026-13', SEOUL)).toThrow(/malformed month key/);
  });
});

describe('weekByKey', () => {
  it('finds a week by key', () => {
    expect(weekByKey('2026-11-W5', SEOUL)).toEqual(weekOfInstant(at('2026-12-06T23:59:59.999+09:00'), SEOUL));
  });

  it('throws on a malformed key', () => {
    for (const bad of ['2026-11', '2026-11-W0', '2026-11-W6', '2026-1-W1', '2026-11-w1', '1999-11-W1', 'x']) {
      expect(() => weekByKey(bad, SEOUL), bad).toThrow(/malformed week key/);
    }
  });

  it('throws on a week that does not exist', () => {
    expect(() => weekByKey('2026-02-W5', SEOUL)).toThrow(/2026-02-W5 does not exist/);
  });
});

describe('month keys', () => {
  it('parses strict YYYY-MM', () => {
    expect(parseMonthKey('2026-11')).toBe('2026-11');
    expect(parseMonthKey('2000-01')).toBe('2000-01');
    expect(parseMonthKey('2999-12')).toBe('2999-12');
    for (const bad of [
      '2026-00',
      '2026-13',
      '2026-1',
      '1999-12',
      '3000-01',
      '2026-11-01',
      ' 2026-11',
      '202611',
      '',
    ]) {
      expect(parseMonthKey(bad), bad).toBeUndefined();
    }
  });

  it('steps back one month, across a year', () => {
    expect(previousMonth('2026-11')).toBe('2026-10');
    expect(previousMonth('2026-10')).toBe('2026-09');
    expect(previousMonth('2027-01')).toBe('2026-12');
    expect(() => previousMonth('2026-1')).toThrow(/malformed month key/);
  });

  it('takes the month of a week key', () => {
    expect(monthOfWeekKey('2026-11-W5')).toBe('2026-11');
    expect(() => monthOfWeekKey('2026-11')).toThrow(/malformed week key/);
  });
});

describe('routingMonth', () => {
  const base = { eventId: 'Ev1', eventTs: tsAt('2026-12-01T10:00:00+09:00'), channel: 'C1' };
  const content = { text: '', blockUrls: [], versionTs: '' };
  // A reply on Tuesday 2026-12-01 belongs to the week of Monday 2026-11-30, so to November.
  const replyTs = tsAt('2026-12-01T09:30:00+09:00');

  it('routes by the target message ts for every event kind', () => {
    const events: ChallengeEvent[] = [
      {
        ...base,
        kind: 'message_posted',
        ts: replyTs,
        user: 'U1',
        content: { ...content, versionTs: replyTs },
      },
      {
        ...base,
        kind: 'message_edited',
        ts: replyTs,
        user: 'U1',
        content: { ...content, versionTs: base.eventTs },
      },
      { ...base, kind: 'message_deleted', ts: replyTs },
      { ...base, kind: 'reaction', itemTs: replyTs, user: 'U2', added: true },
    ];
    for (const event of events) expect(routingMonth(event, SEOUL), event.kind).toBe('2026-11');
  });

  it('routes a reaction by the item, not by when it happened', () => {
    const reaction: ChallengeEvent = {
      ...base,
      kind: 'reaction',
      eventTs: tsAt('2027-01-05T10:00:00+09:00'),
      itemTs: tsAt('2026-12-31T10:00:00+09:00'),
      user: 'U2',
      added: true,
    };
    expect(routingMonth(reaction, SEOUL)).toBe('2026-12');
  });

  it('routes a raw ts the same way', () => {
    expect(routingMonthOfTs(replyTs, SEOUL)).toBe('2026-11');
    // Monday 2026-06-01 11:00 in Seoul is Sunday 2026-05-31 22:00 in New York.
    expect(routingMonthOfTs(tsAt('2026-06-01T02:00:00Z'), SEOUL)).toBe('2026-06');
    expect(routingMonthOfTs(tsAt('2026-06-01T02:00:00Z'), NEW_YORK)).toBe('2026-05');
  });
});

describe('calendar properties (2024–2027, Seoul and New York)', () => {
  const zones = [SEOUL, NEW_YORK];
  const months = [2024, 2025, 2026, 2027].flatMap((year) =>
    Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`),
  );

  it('weekByKey round-trips weeksOfMonth, and weeks tile time without gaps', () => {
    for (const zone of zones) {
      const all = months.flatMap((month) => weeksOfMonth(month, zone));
      for (const week of all) expect(weekByKey(week.key, zone)).toEqual(week);
      for (const [i, week] of all.entries()) {
        const next = all[i + 1];
        if (next) expect(next.startMs, `${zone} ${week.key}`).toBe(week.deadlineMs + 1);
      }
      const counts = months.map((month) => weeksOfMonth(month, zone).length);
      expect(counts.every((n) => n === 4 || n === 5)).toBe(true);
      // 2024 has 53 Mondays (Jan 1 is one), 2025–2027 have 52 each.
      expect(all).toHaveLength(209);
    }
  });

  it('any instant lies in its week, and the week is found again by its key', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: at('2024-01-01T00:00:00+09:00'), max: at('2027-12-31T23:59:59.999-05:00') }),
        fc.constantFrom(...zones),
        (ms, zone) => {
          const week = weekOfInstant(ms, zone);
          expect(week.startMs).toBeLessThanOrEqual(ms);
          expect(ms).toBeLessThanOrEqual(week.deadlineMs);
          expect(weekByKey(week.key, zone)).toEqual(week);
          expect(weeksOfMonth(week.month, zone).map((w) => w.key)).toContain(week.key);
          const monday = new Date(`${week.startsOn}T00:00:00Z`);
          expect(monday.getUTCDay()).toBe(1);
          expect(week.ordinal).toBe(Math.ceil(monday.getUTCDate() / 7));
          expect(week.key).toBe(`${week.startsOn.slice(0, 7)}-W${week.ordinal}`);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('cached week arithmetic', () => {
  const zones = [
    'Asia/Seoul',
    'America/New_York',
    'Pacific/Kiritimati',
    'Pacific/Pago_Pago',
    'Europe/London',
    'UTC',
  ];

  it('the week of any instant starts on the Monday 00:00 before it in the zone, and holds it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2001, 0, 1), max: Date.UTC(2998, 11, 31) }),
        fc.constantFrom(...zones),
        (ms, zone) => {
          const week = weekOfInstant(ms, zone);
          const monday = DateTime.fromMillis(week.startMs, { zone });
          expect([monday.weekday, monday.hour, monday.minute, monday.second]).toEqual([1, 0, 0, 0]);
          expect(week.startMs <= ms && ms <= week.deadlineMs).toBe(true);
          expect(ms - week.startMs).toBeLessThan(7 * 24 * 3_600_000 + 3_600_000);
          expect(week).toEqual(weekByKey(week.key, zone));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('hands out weeks no caller can change for another', () => {
    const weeks = weeksOfMonth('2026-11', SEOUL);
    weeks.pop();
    expect(weeksOfMonth('2026-11', SEOUL)).toHaveLength(5);
    expect(() => {
      (weekByKey('2026-11-W1', SEOUL) as { label: string }).label = 'changed';
    }).toThrow(TypeError);
  });
});
