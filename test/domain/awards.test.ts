import { describe, expect, it } from 'vitest';
import { monthResult } from '../../functions/domain/awards.js';
import { weeksOfMonth } from '../../functions/domain/calendar.js';
import type { SubmissionState, UserId, Week } from '../../functions/domain/types.js';
import {
  applyAll,
  config,
  deleted,
  edited,
  LINK,
  NO_LINK,
  posted,
  reaction,
  selfLikes,
  tsAt,
  ZONE,
} from './fixtures.js';

/** November 2026: Mondays 2, 9, 16, 23, 30. */
const [w1, w2, w3, w4, w5] = weeksOfMonth('2026-11', ZONE) as [Week, Week, Week, Week, Week];
const allWeeks = [w1, w2, w3, w4, w5];

let replyCounter = 0;
/** A reply in `week`'s thread on its Wednesday, liked by `likers`. */
function submit(
  author: UserId,
  week: Week,
  likers: UserId[] = [],
  options: { text?: string; at?: string } = {},
): SubmissionState {
  const replyTs = options.at ?? tsAt(`${addDays(week.startsOn, 2)}T10:00:00`, ++replyCounter);
  const threadTs = tsAt(`${week.startsOn}T09:00:00`, 100);
  return applyAll(
    [
      posted(replyTs, options.text ?? LINK, { user: author, threadTs }),
      ...likers.map((liker, i) =>
        reaction(replyTs, liker, true, `${Number(replyTs.split('.')[0]) + i + 1}.000000`),
      ),
    ],
    { threadWeek: week },
  );
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

describe('monthResult', () => {
  it('finds challengers over a five-week month and leaves out members who missed a week', () => {
    const submissions = [
      ...allWeeks.map((week) => submit('UALICE', week, ['UBOB'])),
      ...[w1, w2, w4, w5].map((week) => submit('UBOB', week, ['UALICE', 'UCAROL'])),
      submit('UCAROL', w3),
    ];
    const result = monthResult(allWeeks, submissions, config);
    expect(result.members).toEqual([
      {
        userId: 'UBOB',
        weeks: ['2026-11-W1', '2026-11-W2', '2026-11-W4', '2026-11-W5'],
        passes: [],
        submissions: 4,
        likes: 8,
        challenger: false,
      },
      {
        userId: 'UALICE',
        weeks: ['2026-11-W1', '2026-11-W2', '2026-11-W3', '2026-11-W4', '2026-11-W5'],
        passes: [],
        submissions: 5,
        likes: 5,
        challenger: true,
      },
      { userId: 'UCAROL', weeks: ['2026-11-W3'], passes: [], submissions: 1, likes: 0, challenger: false },
    ]);
    expect(result.challengers).toEqual(['UALICE']);
    expect(result.specialChallengers).toEqual(['UALICE']);
    expect(result.weeks).toEqual([
      { key: '2026-11-W1', participants: 2, likes: 3 },
      { key: '2026-11-W2', participants: 2, likes: 3 },
      { key: '2026-11-W3', participants: 2, likes: 1 },
      { key: '2026-11-W4', participants: 2, likes: 3 },
      { key: '2026-11-W5', participants: 2, likes: 3 },
    ]);
  });

  it('names every challenger tied for the most likes as special, sorted by user id', () => {
    const weeks = [w1, w2];
    const submissions = [
      submit('UDAN', w1, ['U1', 'U2']),
      submit('UDAN', w2, ['U1']),
      submit('UCAROL', w1, ['U1']),
      submit('UCAROL', w2, ['U1', 'U2']),
      submit('UBOB', w1),
      submit('UBOB', w2, ['U3']),
      // Most likes of all, but missed week 2: not a challenger, so not special either.
      submit('UERIN', w1, ['U1', 'U2', 'U3', 'U4', 'U5']),
    ];
    const result = monthResult(weeks, submissions, config);
    expect(result.members.map((m) => [m.userId, m.likes])).toEqual([
      ['UERIN', 5],
      ['UCAROL', 3],
      ['UDAN', 3],
      ['UBOB', 1],
    ]);
    expect(result.challengers).toEqual(['UCAROL', 'UDAN', 'UBOB']);
    expect(result.specialChallengers).toEqual(['UCAROL', 'UDAN']);
  });

  it('makes every challenger special when none has a like', () => {
    const result = monthResult([w1], [submit('UBOB', w1), submit('UALICE', w1)], config);
    expect(result.challengers).toEqual(['UALICE', 'UBOB']);
    expect(result.specialChallengers).toEqual(['UALICE', 'UBOB']);
  });

  it('has no challengers when every member missed a week', () => {
    const result = monthResult(
      [w1, w2, w3],
      [submit('UALICE', w1, ['UBOB']), submit('UALICE', w2), submit('UBOB', w2), submit('UBOB', w3)],
      config,
    );
    expect(result.members.map((m) => m.userId)).toEqual(['UALICE', 'UBOB']);
    expect(result.members.every((m) => !m.challenger)).toBe(true);
    expect(result.challengers).toEqual([]);
    expect(result.specialChallengers).toEqual([]);
  });

  it('has nothing for a month without posted weeks', () => {
    const result = monthResult([], [submit('UALICE', w1, ['UBOB'])], config);
    expect(result).toEqual({ members: [], challengers: [], specialChallengers: [], weeks: [] });
  });

  it('has empty weeks and no members when nobody submitted', () => {
    const result = monthResult([w1, w2], [], config);
    expect(result).toEqual({
      members: [],
      challengers: [],
      specialChallengers: [],
      weeks: [
        { key: '2026-11-W1', participants: 0, likes: 0 },
        { key: '2026-11-W2', participants: 0, likes: 0 },
      ],
    });
  });

  it('counts only weeks that were posted', () => {
    // Week 5 was not posted (say the app was down all week): a W5 reply counts for nothing.
    const result = monthResult(
      [w1, w2, w3, w4],
      [...[w1, w2, w3, w4, w5].map((w) => submit('UALICE', w, ['UBOB']))],
      config,
    );
    expect(result.members).toEqual([
      {
        userId: 'UALICE',
        weeks: ['2026-11-W1', '2026-11-W2', '2026-11-W3', '2026-11-W4'],
        passes: [],
        submissions: 4,
        likes: 4,
        challenger: true,
      },
    ]);
  });

  it('leaves out late, deleted, link-less and unlinked submissions and their likes', () => {
    const onTime = submit('UALICE', w1, ['UCAROL']);
    const late = submit('UBOB', w1, ['UALICE', 'UCAROL'], { at: tsAt('2026-11-09T00:00:00', 5) });
    const carol = submit('UCAROL', w1, ['UALICE']);
    const gone = applyAll([deleted(carol.replyTs, tsAt('2026-11-05T12:00:00'))], {
      state: carol,
      threadWeek: w1,
    });
    const noLink = submit('UDAN', w1, ['UALICE'], { text: NO_LINK });
    const erin = submit('UERIN', w1, ['UALICE']);
    const unlinked = applyAll([edited(erin.replyTs, tsAt('2026-11-05T12:00:00'), NO_LINK)], {
      state: erin,
      threadWeek: w1,
    });
    const result = monthResult([w1], [onTime, late, gone, noLink, unlinked], config);
    expect(result.members).toEqual([
      { userId: 'UALICE', weeks: ['2026-11-W1'], passes: [], submissions: 1, likes: 1, challenger: true },
    ]);
    expect(result.weeks).toEqual([{ key: '2026-11-W1', participants: 1, likes: 1 }]);
    expect(result.challengers).toEqual(['UALICE']);
  });

  it('counts several submissions of one member in one week once for participation, all for likes', () => {
    const result = monthResult(
      [w1],
      [submit('UALICE', w1, ['UBOB']), submit('UALICE', w1, ['UBOB', 'UCAROL'])],
      config,
    );
    expect(result.members).toEqual([
      { userId: 'UALICE', weeks: ['2026-11-W1'], passes: [], submissions: 2, likes: 3, challenger: true },
    ]);
    expect(result.weeks).toEqual([{ key: '2026-11-W1', participants: 1, likes: 3 }]);
  });

  it('counts self-likes only when configured', () => {
    const submissions = [submit('UALICE', w1, ['UALICE', 'UBOB'])];
    expect(monthResult([w1], submissions, config).members[0]?.likes).toBe(1);
    expect(monthResult([w1], submissions, selfLikes).members[0]?.likes).toBe(2);
  });

  it('lists weeks in posted order whatever the order of submissions', () => {
    const result = monthResult(
      [w1, w2, w3],
      [submit('UALICE', w3), submit('UALICE', w1), submit('UALICE', w2)],
      config,
    );
    expect(result.members[0]?.weeks).toEqual(['2026-11-W1', '2026-11-W2', '2026-11-W3']);
  });
});
