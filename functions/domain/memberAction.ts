/**
 * What a member asks the bot to change (`/til pass`, `/til pass undo`, `/til remind on|off`, App Home buttons),
 * and what came of it: plain data, applied from the queue by app/memberActions.ts and worded by the templates.
 */
import type { PassRefusal, PassUndoRefusal } from './passes.js';
import type { UserId, Week } from './types.js';

export type MemberActionKind = 'pass' | 'pass_undo' | 'remind_on' | 'remind_off';

export interface MemberAction {
  action: MemberActionKind;
  userId: UserId;
  /** When Slack says the member asked (epoch ms): the week asked about is the week of this instant. */
  atMs: number;
  /** Derived from Slack's ids (the queue messageId): a redelivery of an applied action answers as it did. */
  actionId?: string;
}

/** Where the member's passes stand in the week's month after the action. */
export interface PassBalance {
  limit: number;
  left: number;
}

export type MemberActionResult =
  | ({ ok: true; action: 'pass'; week: Week; alreadyPassed: boolean } & PassBalance)
  | ({ ok: true; action: 'pass_undo'; week: Week } & PassBalance)
  | { ok: true; action: 'remind_on' }
  | { ok: true; action: 'remind_off' }
  | ({ ok: false; action: 'pass'; week: Week } & PassRefusal)
  | ({ ok: false; action: 'pass_undo'; week: Week } & PassUndoRefusal);
