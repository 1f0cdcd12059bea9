/**
 * The App Home's buttons, by action_id: the view (messages/appHome.ts) builds them from this table and the
 * interactions edge reads clicks back through it, so the two cannot drift apart.
 */
import type { MemberActionKind } from '../domain/memberAction.js';

/** Buttons that change something: a click is queued as that member action. */
export const HOME_ACTION_BUTTONS = {
  til_pass: 'pass',
  til_pass_undo: 'pass_undo',
  til_remind_on: 'remind_on',
  til_remind_off: 'remind_off',
} as const satisfies Record<string, MemberActionKind>;

/** Link buttons: Slack opens the URL and still reports the click, which needs nothing but an answer. */
export const HOME_LINK_BUTTONS = {
  openThread: 'til_open_thread',
  openDashboard: 'til_open_dashboard',
} as const;

export const homeActionId = (action: MemberActionKind) =>
  (Object.keys(HOME_ACTION_BUTTONS) as (keyof typeof HOME_ACTION_BUTTONS)[]).find(
    (id) => HOME_ACTION_BUTTONS[id] === action,
  )!;

/** The member action a button stands for; undefined for a link button or an id this app never made. */
export function memberActionOfButton(actionId: string): MemberActionKind | undefined {
  return Object.hasOwn(HOME_ACTION_BUTTONS, actionId)
    ? HOME_ACTION_BUTTONS[actionId as keyof typeof HOME_ACTION_BUTTONS]
    : undefined;
}
