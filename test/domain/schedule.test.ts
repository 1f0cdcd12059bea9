import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { weekByKey } from '../../functions/domain/calendar.js';
import {
  dueJobs,
  postInstantOf,
  resyncBackoffMs,
  resyncDue,
  weeksOpenForResync,
} from '../../functions/domain/schedule.js';

const seoul = 'Asia/Seoul';
const nine = { hour: 9, minute: 0 };
const at = (iso: string, zone = seoul) => DateTime.fromISO(iso, { zone }).toMillis();

describe('dueJobs', () => {
  it('is not due on Monday before the post time', () => {
    const due = dueJobs(at('2026-11-23T08:59:59'), nine, seoul);
    expect(due.week.key).toBe('2026-11-W4');
    expect(due.weeklyPostDue).toBe(false);
    expect(due.awardMonth).toBeUndefined();
  });

  it('is due from Monday at the post time, local', () => {
    const due = dueJobs(at('2026-11-23T09:00:00'), nine, seoul);
    expect(due).toMatchObject({ weeklyPostDue: true, awardMonth: undefined });
    expect(due.week.key).toBe('2026-11-W4');
  });

  it('stays due for the rest of the week so a missed Monday is caught up', () => {
    for (const iso of ['2026-11-24T00:00:00', '2026-11-26T13:00:00', '2026-11-29T23:59:59.999']) {
      const due = dueJobs(at(iso), nine, seoul);
      expect(due.week.key).toBe('2026-11-W4');
      expect(due.weeklyPostDue).toBe(true);
    }
  });

  it('never looks back: the instant after Sunday belongs to the next week, not yet due', () => {
    const due = dueJobs(at('2026-11-30T00:00:00'), nine, seoul);
    expect(due.week.key).toBe('2026-11-W5');
    expect(due.weeklyPostDue).toBe(false);
  });

  it("asks for last month's award in a month's first week, after the post time", () => {
    expect(dueJobs(at('2026-12-07T08:00:00'), nine, seoul)).toMatchObject({ awardMonth: undefined });
    expect(dueJobs(at('2026-12-07T09:00:00'), nine, seoul)).toMatchObject({ awardMonth: '2026-11' });
    expect(dueJobs(at('2026-12-10T12:00:00'), nine, seoul)).toMatchObject({ awardMonth: '2026-11' });
    expect(dueJobs(at('2026-12-14T09:00:00'), nine, seoul)).toMatchObject({ awardMonth: undefined });
    expect(dueJobs(at('2027-01-04T09:00:00'), nine, seoul)).toMatchObject({ awardMonth: '2026-12' });
  });

  it('the week of Nov 30 belongs to November, so December 1 does not trigger the award', () => {
    const due = dueJobs(at('2026-12-01T10:00:00'), nine, seoul);
    expect(due.week.key).toBe('2026-11-W5');
    expect(due.awardMonth).toBeUndefined();
  });

  it('uses the configured zone, not the server zone', () => {
    const ny = 'America/New_York';
    // 09:00 Monday in Seoul is still Sunday evening in New York.
    const instant = at('2026-11-23T09:00:00');
    expect(dueJobs(instant, nine, ny).week.key).toBe('2026-11-W3');
    expect(postInstantOf(weekByKey('2026-11-W4', ny), nine, ny)).toBe(at('2026-11-23T09:00:00', ny));
  });

  it('honours POST_TIME across a DST change', () => {
    const ny = 'America/New_York';
    // Monday 2026-03-09 is the first Monday after the spring-forward Sunday.
    const week = weekByKey('2026-03-W2', ny);
    expect(new Date(postInstantOf(week, { hour: 7, minute: 30 }, ny)).toISOString()).toBe(
      '2026-03-09T11:30:00.000Z',
    );
    const november = weekByKey('2026-11-W1', ny);
    expect(new Date(postInstantOf(november, { hour: 7, minute: 30 }, ny)).toISOString()).toBe(
      '2026-11-02T12:30:00.000Z',
    );
  });
});

describe('the re-sync window (SPEC 9)', () => {
  const at = (local: string) => Date.parse(`${local}+09:00`);
  const keys = (nowMs: number) => weeksOpenForResync(nowMs, 'Asia/Seoul').map((w) => w.key);

  it('this week, and last week until a day after its deadline', () => {
    expect(keys(at('2026-11-24T10:00:00'))).toEqual(['2026-11-W4']);
    // Week 4's deadline is Sunday 29 23:59:59.999: a day later week 4 is still read, then no more.
    expect(keys(at('2026-11-30T09:00:00'))).toEqual(['2026-11-W4', '2026-11-W5']);
    expect(keys(at('2026-11-30T23:59:59'))).toEqual(['2026-11-W4', '2026-11-W5']);
    expect(keys(at('2026-12-01T00:00:01'))).toEqual(['2026-11-W5']);
  });

  it('due after the interval, never before a failure backoff ends', () => {
    const hour = 60 * 60_000;
    expect(resyncDue({}, 0, hour)).toBe(true);
    expect(resyncDue({ lastCompletedMs: 0 }, hour - 1, hour)).toBe(false);
    expect(resyncDue({ lastCompletedMs: 0 }, hour, hour)).toBe(true);
    expect(resyncDue({ lastCompletedMs: 0, nextAttemptMs: 2 * hour }, hour, hour)).toBe(false);
    expect(resyncBackoffMs(1, hour)).toBe(60_000);
    expect(resyncBackoffMs(3, hour)).toBe(4 * 60_000);
    expect(resyncBackoffMs(20, hour)).toBe(hour);
    expect(resyncBackoffMs(1, hour, 90_000)).toBe(90_000);
  });
});
