/**
 * The arguments of `/til admin` (SPEC 9), parsed and checked purely: a week (key or any date in it), an extended
 * deadline (local date and time in the configured zone), a reply's Slack permalink.
 */
import { DateTime } from 'luxon';
import { weekByKey, weekOfInstant } from './calendar.js';
import type { SlackTs, Week } from './types.js';
import { MAX_EXTENSION_MS } from './weekRules.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: AdminArgError };

/** Why an argument is refused; the templates word each. */
export type AdminArgError =
  | { reason: 'bad_week'; input: string }
  | { reason: 'bad_deadline'; input: string }
  | { reason: 'deadline_not_later'; input: string; weekDeadlineIso: string }
  | { reason: 'deadline_too_late'; input: string; latestIso: string }
  | { reason: 'bad_link'; input: string }
  | { reason: 'bad_month'; input: string };

const WEEK_KEY = /^\d{4}-\d{2}-W\d$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_TIME = /^(\d{2}):(\d{2})$/;

/** A local date "YYYY-MM-DD" that exists (2026-02-30 does not), at its midnight in `zone`. */
function localDate(input: string, zone: string): DateTime | undefined {
  const match = LOCAL_DATE.exec(input);
  if (!match) return undefined;
  const dt = DateTime.fromObject(
    { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) },
    { zone },
  );
  return dt.isValid ? dt : undefined;
}

/** `2026-11-W4` or any date of that week, `2026-11-25`. */
export function parseWeekArg(input: string, zone: string): Parsed<Week> {
  const fail = { ok: false, error: { reason: 'bad_week', input } } as const;
  if (WEEK_KEY.test(input)) {
    try {
      return { ok: true, value: weekByKey(input, zone) };
    } catch {
      return fail;
    }
  }
  const date = localDate(input, zone);
  if (!date || date.year < 2000 || date.year > 2999) return fail;
  return { ok: true, value: weekOfInstant(date.toMillis(), zone) };
}

/**
 * `YYYY-MM-DD HH:mm` in `zone`, as an inclusive deadline (the last millisecond of that minute, like the week's own
 * 23:59:59.999). It must exist (no 2026-02-30, no 24:00, no local time a DST change skips), be later than the
 * week's own deadline (an extension only ever extends: an earlier one would make replies already on time late),
 * and at most MAX_EXTENSION_MS after it.
 */
export function parseDeadlineArg(date: string, time: string, week: Week, zone: string): Parsed<number> {
  const input = `${date} ${time}`;
  const day = localDate(date, zone);
  const clock = LOCAL_TIME.exec(time);
  const bad = { ok: false, error: { reason: 'bad_deadline', input } } as const;
  if (!day || !clock) return bad;
  const hour = Number(clock[1]);
  const minute = Number(clock[2]);
  if (hour > 23 || minute > 59) return bad;
  const at = day.set({ hour, minute });
  // luxon moves a time a DST change skips forward; such a time does not exist on that day.
  if (!at.isValid || at.hour !== hour || at.minute !== minute) return bad;
  const deadlineMs = at.toMillis() + 59_999;
  if (deadlineMs <= week.deadlineMs) {
    return { ok: false, error: { reason: 'deadline_not_later', input, weekDeadlineIso: week.deadlineIso } };
  }
  const latestMs = week.deadlineMs + MAX_EXTENSION_MS;
  if (deadlineMs > latestMs) {
    const latestIso = DateTime.fromMillis(latestMs, { zone }).toISO()!;
    return { ok: false, error: { reason: 'deadline_too_late', input, latestIso } };
  }
  return { ok: true, value: deadlineMs };
}

export interface ReplyLink {
  channel: string;
  ts: SlackTs;
}

const ARCHIVES_PATH = /^\/archives\/([A-Z0-9]{2,})\/p(\d{10})(\d{6})$/;

/**
 * A reply's Slack permalink: `https://<workspace>.slack.com/archives/<channel>/p<ts without the dot>` with
 * `?thread_ts=…&cid=…` for a thread reply. Slack may wrap it as `<https://…>` or `<https://…|label>`. Only the
 * path names the reply; the host must be slack.com's.
 */
export function parseReplyLink(input: string): Parsed<ReplyLink> {
  const fail = { ok: false, error: { reason: 'bad_link', input } } as const;
  const unwrapped = /^<([^|>]+)(?:\|[^>]*)?>$/.exec(input)?.[1] ?? input;
  let url: URL;
  try {
    url = new URL(unwrapped);
  } catch {
    return fail;
  }
  const host = url.hostname.toLowerCase();
  if (url.protocol !== 'https:' || !(host === 'slack.com' || host.endsWith('.slack.com'))) return fail;
  const match = ARCHIVES_PATH.exec(url.pathname);
  if (!match) return fail;
  return { ok: true, value: { channel: match[1]!, ts: `${match[2]}.${match[3]}` } };
}

/** Strict `YYYY-MM`, for `award preview`. */
export function parseMonthArg(input: string): Parsed<string> {
  return /^2\d{3}-(0[1-9]|1[0-2])$/.test(input)
    ? { ok: true, value: input }
    : { ok: false, error: { reason: 'bad_month', input } };
}
