import { describe, expect, it } from 'vitest';
import { weekByKey } from '../../functions/domain/calendar.js';
import { reminderDue, reminderInstantOf, reminderRecipients } from '../../functions/domain/reminders.js';
import { ZONE } from './fixtures.js';

const week = weekByKey('2026-11-W4', ZONE);
const sunday18 = { weekday: 7, hour: 18, minute: 0 };
const at = (local: string) => Date.parse(`${local}+09:00`);

describe('reminderDue', () => {
  it('from REMINDER_AT of the week until its deadline, never after and never without REMINDER_AT', () => {
    expect(reminderInstantOf(week, sunday18, ZONE)).toBe(at('2026-11-29T18:00:00'));
    expect(reminderDue(week, at('2026-11-29T17:59:59'), sunday18, ZONE)).toBe(false);
    expect(reminderDue(week, at('2026-11-29T18:00:00'), sunday18, ZONE)).toBe(true);
    expect(reminderDue(week, week.deadlineMs, sunday18, ZONE)).toBe(true);
    expect(reminderDue(week, week.deadlineMs + 1, sunday18, ZONE)).toBe(false);
    expect(reminderDue(week, at('2026-11-29T18:00:00'), undefined, ZONE)).toBe(false);
    // Monday 08:00: before the weekly post, yet due (the job itself needs the week posted).
    expect(reminderDue(week, at('2026-11-23T08:00:00'), { weekday: 1, hour: 7, minute: 30 }, ZONE)).toBe(
      true,
    );
  });
});

describe('reminderRecipients', () => {
  const postedWeeks = ['2026-10-W3', '2026-10-W4', '2026-11-W1', '2026-11-W2', '2026-11-W3', '2026-11-W4'];
  const base = { week: '2026-11-W4', postedWeeks, optedOut: new Set<string>() };

  it('active members (took part or passed in one of the four posted weeks before) without a submission or pass', () => {
    const users = reminderRecipients({
      ...base,
      members: [
        { userId: 'UACTIVE', weeks: ['2026-11-W3'], passes: [] },
        { userId: 'UPASSER', weeks: [], passes: ['2026-10-W4'] },
        // Only five posted weeks back: not active.
        { userId: 'UOLD', weeks: ['2026-10-W3'], passes: [] },
        { userId: 'UDONE', weeks: ['2026-11-W3', '2026-11-W4'], passes: [] },
        { userId: 'UPASSED', weeks: ['2026-11-W2'], passes: ['2026-11-W4'] },
        // Records of several months merge.
        { userId: 'USPLIT', weeks: [], passes: [] },
        { userId: 'USPLIT', weeks: ['2026-11-W1'], passes: [] },
      ],
    });
    expect(users).toEqual(['UACTIVE', 'UPASSER', 'USPLIT']);
  });

  it('leaves out members who opted out, and everyone when the week is not posted', () => {
    const members = [{ userId: 'UA', weeks: ['2026-11-W3'], passes: [] }];
    expect(reminderRecipients({ ...base, members, optedOut: new Set(['UA']) })).toEqual([]);
    expect(reminderRecipients({ ...base, week: '2026-11-W5', members })).toEqual([]);
  });
});
