import type { Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateDocument.js';
import type { AppConfig } from '../config.js';
import { previousMonth, weekOfInstant } from '../domain/calendar.js';
import type { MemberAction, MemberActionResult } from '../domain/memberAction.js';
import { passDecision, passesLeft, undoDecision } from '../domain/passes.js';
import type { UserId, Week } from '../domain/types.js';
import type { Templates } from '../messages/templates.js';
import {
  type MemberPrefsDoc,
  memberPartition,
  memberPrefsDocId,
  monthPartition,
  type PassDoc,
  passDocId,
} from './documents.js';
import { loadMemberWeeks, passStanding } from './memberWeeks.js';

export type { MemberAction, MemberActionResult } from '../domain/memberAction.js';

export interface MemberActionsDeps {
  store: Store;
  config: AppConfig;
}

/** The answer the member sees for `result` (Korean or English, by the templates given). */
export function memberActionText(result: MemberActionResult, templates: Templates): string {
  return templates.memberActionAnswer(result);
}

/**
 * Applies a member's action taken from the queue (in the session of the month of `atMs`, so after every reply of
 * theirs enqueued before it). Each is one conditional write of one small document, so a redelivery applies once:
 * re-applying a pass or an undo already recorded changes nothing, and the action that recorded it answers as it
 * did the first time.
 */
export function createMemberActions(deps: MemberActionsDeps) {
  const { store, config } = deps;
  const { channelId, passesPerMonth: limit } = config;

  /** The member's weeks this month and last (a pass in last month's final week bars this month's first). */
  const memberWeeks = (userId: UserId, week: Week) =>
    loadMemberWeeks(store, config, userId, [previousMonth(week.month), week.month]);

  const passDoc = (week: Week, userId: UserId) => ({
    pk: monthPartition(channelId, week.month),
    id: passDocId(week.key, userId),
  });

  async function pass({ userId, atMs, actionId }: MemberAction): Promise<MemberActionResult> {
    const week = weekOfInstant(atMs, config.rules.timeZone);
    const standing = await memberWeeks(userId, week);
    const decision = passDecision({
      limit,
      week,
      atMs,
      ...passStanding(standing),
    });
    if (!decision.ok) return { ok: false, action: 'pass', week, ...decision.refusal };
    const { pk, id } = passDoc(week, userId);
    const { previous } = await updateDocument<PassDoc>(store, pk, id, (current) =>
      current?.status === 'passed'
        ? undefined
        : {
            id,
            pk,
            type: 'pass',
            channel: channelId,
            month: week.month,
            weekKey: week.key,
            userId,
            status: 'passed',
            passedAt: new Date(atMs).toISOString(),
            ...(actionId !== undefined && { lastActionId: actionId }),
          },
    );
    const alreadyPassed =
      previous?.status === 'passed' && (actionId === undefined || previous.lastActionId !== actionId);
    standing.passes.add(week.key);
    const left = passesLeft(limit, week.month, standing.passes, standing.takenPart);
    return { ok: true, action: 'pass', week, alreadyPassed, limit, left };
  }

  async function undo({ userId, atMs, actionId }: MemberAction): Promise<MemberActionResult> {
    const week = weekOfInstant(atMs, config.rules.timeZone);
    const { pk, id } = passDoc(week, userId);
    const standing = await memberWeeks(userId, week);
    const balance = () => ({
      limit,
      left: passesLeft(limit, week.month, standing.passes, standing.takenPart),
    });
    const stored = await store.read<PassDoc>(pk, id);
    if (actionId !== undefined && stored?.doc.status === 'undone' && stored.doc.lastActionId === actionId) {
      return { ok: true, action: 'pass_undo', week, ...balance() };
    }
    const decision = undoDecision({ week, atMs, passes: standing.passes });
    if (!decision.ok) return { ok: false, action: 'pass_undo', week, ...decision.refusal };
    await updateDocument<PassDoc>(store, pk, id, (current) =>
      current && current.status === 'passed'
        ? {
            ...current,
            status: 'undone',
            undoneAt: new Date(atMs).toISOString(),
            ...(actionId !== undefined && { lastActionId: actionId }),
          }
        : undefined,
    );
    standing.passes.delete(week.key);
    return { ok: true, action: 'pass_undo', week, ...balance() };
  }

  async function setReminders({ userId, atMs, action }: MemberAction): Promise<MemberActionResult> {
    const reminders = action === 'remind_on';
    const pk = memberPartition(channelId);
    const id = memberPrefsDocId(userId);
    await updateDocument<MemberPrefsDoc>(store, pk, id, (current) =>
      current?.reminders === reminders
        ? undefined
        : {
            ...(current ?? { id, pk, type: 'memberPrefs', channel: channelId, userId }),
            reminders,
            updatedAt: new Date(atMs).toISOString(),
          },
    );
    return reminders ? { ok: true, action: 'remind_on' } : { ok: true, action: 'remind_off' };
  }

  return {
    apply(action: MemberAction): Promise<MemberActionResult> {
      switch (action.action) {
        case 'pass':
          return pass(action);
        case 'pass_undo':
          return undo(action);
        case 'remind_on':
        case 'remind_off':
          return setReminders(action);
      }
    },

    /** Whether `userId` gets the weekly reminder: yes unless they turned it off. */
    async remindersOn(userId: UserId): Promise<boolean> {
      const prefs = await store.read<MemberPrefsDoc>(memberPartition(channelId), memberPrefsDocId(userId));
      return prefs?.doc.reminders ?? true;
    },
  };
}

export type MemberActions = ReturnType<typeof createMemberActions>;
