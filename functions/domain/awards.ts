/** Monthly aggregation: participation per week, likes per member, challengers and special challengers. */
import { countedLikes, countsForWeek } from './submission.js';
import type {
  MemberMonth,
  MonthResult,
  RulesConfig,
  SubmissionState,
  UserId,
  Week,
  WeekKey,
} from './types.js';

function byLikesThenUserId(a: MemberMonth, b: MemberMonth): number {
  return b.likes - a.likes || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
}

/**
 * The month's result over the weeks that had a weekly post. Only on-time, not-deleted submissions with a link
 * count; a member is a challenger when they took part in every posted week.
 */
export function monthResult(
  postedWeeks: Week[],
  submissions: SubmissionState[],
  config: RulesConfig,
): MonthResult {
  const weeks = postedWeeks.map((week) => ({ week, participants: new Set<UserId>(), likes: 0 }));
  const members = new Map<UserId, { weeks: Set<WeekKey>; submissions: number; likes: number }>();

  for (const submission of submissions) {
    const counted = weeks.find(({ week }) => countsForWeek(submission, week));
    if (!counted) continue;
    const author = submission.author!;
    const likes = countedLikes(submission, config);
    counted.participants.add(author);
    counted.likes += likes;
    const member = members.get(author) ?? { weeks: new Set<WeekKey>(), submissions: 0, likes: 0 };
    member.weeks.add(counted.week.key);
    member.submissions += 1;
    member.likes += likes;
    members.set(author, member);
  }

  const postedKeys = new Set(postedWeeks.map((week) => week.key));
  const memberMonths: MemberMonth[] = [...members].map(([userId, member]) => ({
    userId,
    // In posted-week order, not in the order submissions happened to be listed.
    weeks: [...postedKeys].filter((key) => member.weeks.has(key)),
    submissions: member.submissions,
    likes: member.likes,
    challenger: postedKeys.size > 0 && member.weeks.size === postedKeys.size,
  }));
  memberMonths.sort(byLikesThenUserId);

  const challengers = memberMonths.filter((member) => member.challenger);
  const mostLikes = Math.max(...challengers.map((member) => member.likes));
  return {
    members: memberMonths,
    challengers: challengers.map((member) => member.userId),
    specialChallengers: challengers
      .filter((member) => member.likes === mostLikes)
      .map((member) => member.userId),
    weeks: weeks.map(({ week, participants, likes }) => ({
      key: week.key,
      participants: participants.size,
      likes,
    })),
  };
}
