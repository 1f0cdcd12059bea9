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

/** What one submission adds to its month: the posted week it counts for, its author and its likes. */
export interface CountedSubmission {
  weekKey: WeekKey;
  author: UserId;
  likes: number;
}

/**
 * The week of `postedWeeks` this submission counts for (on time, not deleted, with a link), or undefined. A
 * function of the submission alone, so a reader may keep it per submission version and recount only what changed.
 */
export function countedSubmission(
  submission: SubmissionState,
  postedWeeks: readonly Week[],
  config: RulesConfig,
): CountedSubmission | undefined {
  const week = postedWeeks.find((w) => countsForWeek(submission, w));
  if (!week) return undefined;
  return { weekKey: week.key, author: submission.author!, likes: countedLikes(submission, config) };
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
  return monthResultOfCounted(
    postedWeeks,
    submissions.map((submission) => countedSubmission(submission, postedWeeks, config)),
    passes,
  );
}

/** monthResult from each submission's countedSubmission (undefined: it counts for no week). */
export function monthResultOfCounted(
  postedWeeks: readonly Week[],
  counted: readonly (CountedSubmission | undefined)[],
  passes: readonly MemberPass[] = [],
): MonthResult {
  const weeks = new Map(postedWeeks.map((week) => [week.key, { participants: new Set<UserId>(), likes: 0 }]));
  const members = new Map<UserId, { weeks: Set<WeekKey>; submissions: number; likes: number }>();
  const memberOf = (userId: UserId) => {
    let member = members.get(userId);
    if (!member) {
      member = { weeks: new Set<WeekKey>(), submissions: 0, likes: 0 };
      members.set(userId, member);
    }
    return member;
  };

  for (const submission of counted) {
    const week = submission && weeks.get(submission.weekKey);
    if (!week) continue;
    week.participants.add(submission.author);
    week.likes += submission.likes;
    const member = memberOf(submission.author);
    member.weeks.add(submission.weekKey);
    member.submissions += 1;
    member.likes += submission.likes;
  }

  const postedKeyList = postedWeeks.map((week) => week.key);
  const postedKeys = new Set(postedKeyList);
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
      weeks: postedKeyList.filter((key) => member.weeks.has(key)),
      passes: postedKeyList.filter((key) => passedWeeks.has(key)),
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
    weeks: [...weeks].map(([key, { participants, likes }]) => ({
      key,
      participants: participants.size,
      likes,
    })),
  };
}
