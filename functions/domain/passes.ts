/**
 * Passes (SPEC 8): a member may skip a busy week without breaking their streak or their chance at the month's
 * challenger. Pure: the member's passes, the weeks they took part in and the posted weeks in, a decision out.
 */
import { monthOfWeekKey } from './calendar.js';
import type { MonthKey, Week, WeekKey } from './types.js';

/** Why a pass is refused; templates word each one. */
export type PassRefusal =
  | { reason: 'passes_off' }
  /** The week's deadline has passed (or the instant is outside the week). */
  | { reason: 'week_closed'; weekKey: WeekKey }
  /** The week has no weekly post (yet): only posted weeks count, so there is nothing to pass. */
  | { reason: 'week_not_posted'; weekKey: WeekKey }
  /** An admin skipped the week (SPEC 9): nobody needs to take part, so there is nothing to pass. */
  | { reason: 'week_skipped'; weekKey: WeekKey }
  | { reason: 'already_submitted'; weekKey: WeekKey }
  /** A pass in the posted week just before or after: never two in a row. */
  | { reason: 'consecutive'; weekKey: WeekKey; adjacentWeekKey: WeekKey }
  | { reason: 'monthly_limit'; month: MonthKey; limit: number; used: WeekKey[] };

/** Why an undo is refused. */
export type PassUndoRefusal =
  | { reason: 'not_passed'; weekKey: WeekKey }
  | { reason: 'week_closed'; weekKey: WeekKey };

export interface PassContext {
  /** PASSES_PER_MONTH; 0 = passes are off. */
  limit: number;
  /** The week asked about (the week of the instant the member asked). */
  week: Week;
  atMs: number;
  /** Keys of the posted weeks around `week`, in order; at least its neighbours when posted. */
  postedWeeks: readonly WeekKey[];
  /** Posted weeks an admin skipped: they are not there for "two in a row" (SPEC 9: they neither count nor break). */
  skippedWeeks?: ReadonlySet<WeekKey>;
  /** Weeks the member has a pass recorded for (given back or not). */
  passes: ReadonlySet<WeekKey>;
  /** Weeks the member took part in (a counted submission). */
  takenPart: ReadonlySet<WeekKey>;
}

/** Passes still in force: a pass for a week the member then took part in is given back. */
export function effectivePasses(passes: Iterable<WeekKey>, takenPart: ReadonlySet<WeekKey>): Set<WeekKey> {
  return new Set([...passes].filter((week) => !takenPart.has(week)));
}

const isOpen = (week: Week, atMs: number) => atMs >= week.startMs && atMs <= week.deadlineMs;

/** Passes in force in `month`, in week order. */
function passesInMonth(inForce: ReadonlySet<WeekKey>, month: MonthKey): WeekKey[] {
  return [...inForce].filter((key) => monthOfWeekKey(key) === month).sort();
}

/** The monthly passes left to a member in `month` (never negative). */
export function passesLeft(
  limit: number,
  month: MonthKey,
  passes: Iterable<WeekKey>,
  takenPart: ReadonlySet<WeekKey>,
): number {
  return Math.max(0, limit - passesInMonth(effectivePasses(passes, takenPart), month).length);
}

/**
 * Whether the member may pass `week` at `atMs`: passes on, the week open and posted, not taken part in, no pass
 * in force in the posted week before or after, and fewer than `limit` passes in force in the week's month. A pass
 * already recorded for this very week is allowed (asking twice changes nothing).
 */
export function passDecision(ctx: PassContext): { ok: true } | { ok: false; refusal: PassRefusal } {
  const { week } = ctx;
  const refuse = (refusal: PassRefusal) => ({ ok: false as const, refusal });
  if (ctx.limit <= 0) return refuse({ reason: 'passes_off' });
  if (!isOpen(week, ctx.atMs)) return refuse({ reason: 'week_closed', weekKey: week.key });
  if (ctx.skippedWeeks?.has(week.key)) return refuse({ reason: 'week_skipped', weekKey: week.key });
  const required = ctx.postedWeeks.filter((key) => !ctx.skippedWeeks?.has(key));
  const position = required.indexOf(week.key);
  if (position < 0) return refuse({ reason: 'week_not_posted', weekKey: week.key });
  if (ctx.takenPart.has(week.key)) return refuse({ reason: 'already_submitted', weekKey: week.key });
  const inForce = effectivePasses(ctx.passes, ctx.takenPart);
  for (const adjacent of [required[position - 1], required[position + 1]]) {
    if (adjacent !== undefined && inForce.has(adjacent)) {
      return refuse({ reason: 'consecutive', weekKey: week.key, adjacentWeekKey: adjacent });
    }
  }
  const used = passesInMonth(inForce, week.month).filter((key) => key !== week.key);
  if (used.length >= ctx.limit) {
    return refuse({ reason: 'monthly_limit', month: week.month, limit: ctx.limit, used });
  }
  return { ok: true };
}

/** Whether the member may undo their pass of `week` at `atMs`: one is recorded, and the deadline has not passed. */
export function undoDecision(
  ctx: Pick<PassContext, 'week' | 'atMs' | 'passes'>,
): { ok: true } | { ok: false; refusal: PassUndoRefusal } {
  if (!ctx.passes.has(ctx.week.key)) {
    return { ok: false, refusal: { reason: 'not_passed', weekKey: ctx.week.key } };
  }
  if (!isOpen(ctx.week, ctx.atMs)) {
    return { ok: false, refusal: { reason: 'week_closed', weekKey: ctx.week.key } };
  }
  return { ok: true };
}

/**
 * How a member stands in one posted week of a month (SPEC 8's App Home), at `nowMs`; `skipped`: an admin skipped
 * the week (SPEC 9) and the member did not take part in it anyway.
 */
export type WeekStanding = 'took_part' | 'passed' | 'missed' | 'open' | 'skipped';

export function weekStanding(
  week: Pick<Week, 'key' | 'deadlineMs' | 'skipped'>,
  takenPart: ReadonlySet<WeekKey>,
  passes: ReadonlySet<WeekKey>,
  nowMs: number,
): WeekStanding {
  if (takenPart.has(week.key)) return 'took_part';
  if (week.skipped) return 'skipped';
  if (passes.has(week.key)) return 'passed';
  return week.deadlineMs >= nowMs ? 'open' : 'missed';
}
