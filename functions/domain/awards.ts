/** Monthly aggregation: participation per week, likes per member, challengers and special challengers. */
import { effectivePasses } from './passes.js';
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
import { requiredWeeks } from './weekRules.js';

function byLikesThenUserId(a: MemberMonth, b: MemberMonth): number {
  return b.likes - a.likes || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
}

/** A member's pass of a week, as the month rules read it (given back when they took part after all). */
export interface MemberPass {
  userId: UserId;
  weekKey: WeekKey;
}

/**
 * The month's result over the weeks that had a weekly post. Only on-time, not-deleted submissions with a link
 * count; a pass counts as taking part (not as a submission, with no likes) unless the member took part in that
 * week anyway, which gives it back; a member is a challenger when they took part or passed in every posted week.
 */
export function monthResult(
  postedWeeks: Week[],
  submissions: SubmissionState[],
  config: RulesConfig,
  passes: readonly MemberPass[] = [],
): MonthResult {
  const weeks = postedWeeks.map((week) => ({ week, participants: new Set<UserId>(), likes: 0 }));
  const members = new Map<UserId, { weeks: Set<WeekKey>; submissions: number; likes: number }>();
  const memberOf = (userId: UserId) => {
    const member = members.get(userId) ?? { weeks: new Set<WeekKey>(), submissions: 0, likes: 0 };
    members.set(userId, member);
    return member;
  };

  for (const submission of submissions) {
    const counted = weeks.find(({ week }) => countsForWeek(submission, week));
    if (!counted) continue;
    const author = submission.author!;
    const likes = countedLikes(submission, config);
    counted.participants.add(author);
    counted.likes += likes;
    const member = memberOf(author);
    member.weeks.add(counted.week.key);
    member.submissions += 1;
    member.likes += likes;
  }

  const postedKeys = new Set(postedWeeks.map((week) => week.key));
  // A skipped week (a holiday) is no one's duty: taking part in it counts, missing it costs nothing.
  const requiredKeys = requiredWeeks(postedWeeks).map((week) => week.key);
  const passed = new Map<UserId, Set<WeekKey>>();
  for (const { userId, weekKey } of passes) {
    if (!postedKeys.has(weekKey)) continue;
    const taken = memberOf(userId).weeks;
    const given = passed.get(userId) ?? new Set<WeekKey>();
    for (const key of effectivePasses([weekKey], taken)) given.add(key);
    passed.set(userId, given);
  }

  const memberMonths: MemberMonth[] = [...members].map(([userId, member]) => {
    const passedWeeks = passed.get(userId) ?? new Set<WeekKey>();
    return {
      userId,
      // In posted-week order, not in the order submissions happened to be listed.
      weeks: [...postedKeys].filter((key) => member.weeks.has(key)),
      passes: [...postedKeys].filter((key) => passedWeeks.has(key)),
      submissions: member.submissions,
      likes: member.likes,
      challenger:
        requiredKeys.length > 0 && requiredKeys.every((key) => member.weeks.has(key) || passedWeeks.has(key)),
    };
  });
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
