import type { Doc } from '../adapters/store/store.js';
import type { MonthKey, UserId, WeekKey } from '../domain/types.js';

/** The audit trail of admin actions, one partition per channel (`/til admin log` reads its latest). */
export const auditPartition = (channel: string) => `${channel}:audit`;

/**
 * An admin's decisions about one week (`/til admin skip|unskip|extend`), in the week's month partition. Absent
 * for almost every week: absent means not skipped and the calendar's deadline.
 */
export interface WeekRulesDoc extends Doc {
  type: 'weekRules';
  channel: string;
  month: MonthKey;
  weekKey: WeekKey;
  skipped: boolean;
  /** ISO-8601 with the zone's offset; absent: the week's own deadline. */
  extendedDeadline?: string;
  updatedAt: string;
}
export const weekRulesDocId = (weekKey: WeekKey) => `weekRules:${weekKey}`;

/**
 * One admin action as applied (SPEC 9: who, when, what, before, after). Its id is the action's queue message id,
 * so a redelivered action finds its record instead of writing a second one.
 */
export interface AuditDoc extends Doc {
  type: 'audit';
  channel: string;
  actionId: string;
  actor: UserId;
  /** When the admin asked (Slack's instant). */
  at: string;
  /** `skip 2026-11-W4`, `exclude 1793577600.000100`, … */
  what: string;
  before: unknown;
  after: unknown;
  /** Whether the action changed anything (false: it already was so). */
  changed: boolean;
}
export const auditDocId = (actionId: string) => `audit:${actionId}`;
