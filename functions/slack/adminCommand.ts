/**
 * `/til admin …` (SPEC 9), the entry of the `/til` command table. Only `ADMIN_USER_IDS` get past the first check
 * (anyone else: an ephemeral refusal, nothing changed, nothing queued). Changes are queued in the session of the
 * month they concern and answered by the consumer through response_url; reading commands answer at once; a replay
 * of dead letters sends them back through the queue from here, and is audited like a change.
 */
import { type AdminChange, adminActionId, adminActionQueueMessage } from '../app/adminActionMessage.js';
import type { AuditTrail } from '../app/adminActions.js';
import type { DeadLetters, ReplayOutcome } from '../app/deadLetters.js';
import type { MonthKey, UserId } from '../domain/types.js';
import type { AdminTemplates } from '../messages/adminTemplates.js';
import { type AdminChangeCommand, parseAdminCommand } from './adminCommandParser.js';
import type { CommandContext, CommandOutcome, Subcommand } from './commandReceiver.js';

/** Re-sync from Slack (SPEC 9), built elsewhere: runs one and reports what it repaired. */
export interface ResyncPort {
  resyncNow(): Promise<string>;
}

export interface AdminCommandDeps {
  adminUserIds: readonly UserId[];
  timeZone: string;
  texts: AdminTemplates;
  /** The award text for `month` (the month of the next award when absent), undefined when it had no post. */
  awardPreview(month: MonthKey | undefined, nowMs: number): Promise<{ month: MonthKey; text?: string }>;
  deadLetters: DeadLetters;
  audit: AuditTrail;
  /** Absent until the re-sync is wired in: the admin is told it is not available. */
  resync?: ResyncPort;
  /** Answers later through a command's response_url (the re-sync's report). */
  respond(responseUrl: string, text: string): Promise<void>;
  /** Where a background task's failure is reported. */
  warn(message: string): void;
}

const AUDIT_LOG_ENTRIES = 20;

function changeOf(command: AdminChangeCommand): AdminChange {
  switch (command.kind) {
    case 'skip':
    case 'unskip':
      return { kind: command.kind, weekKey: command.week.key };
    case 'extend':
      return { kind: 'extend', weekKey: command.week.key, deadlineMs: command.deadlineMs };
    case 'exclude':
    case 'include':
      return { kind: command.kind, channel: command.link.channel, replyTs: command.link.ts };
  }
}

export function adminCommand(deps: AdminCommandDeps): Subcommand {
  const { texts } = deps;

  /** A replay or a discard is an admin action too: recorded once per command (its trigger id). */
  async function audited(context: CommandContext, what: string, after: unknown) {
    await deps.audit.record(adminActionId(context.command.trigger_id), {
      actor: context.command.user_id,
      at: new Date(context.nowMs).toISOString(),
      what,
      before: null,
      after,
      changed: true,
    });
  }

  return async (context): Promise<CommandOutcome> => {
    const { command, nowMs } = context;
    if (!deps.adminUserIds.includes(command.user_id)) return { answer: texts.adminRefusal() };
    const parsed = parseAdminCommand(context.args, deps.timeZone);
    switch (parsed.kind) {
      case 'help':
        return { answer: texts.adminHelp(parsed.problem) };
      case 'skip':
      case 'unskip':
      case 'extend':
      case 'exclude':
      case 'include':
        return {
          enqueue: adminActionQueueMessage(
            {
              actionId: adminActionId(command.trigger_id),
              actor: command.user_id,
              atMs: nowMs,
              responseUrl: command.response_url,
              change: changeOf(parsed),
            },
            deps.timeZone,
          ),
        };
      case 'award_preview':
        return { answer: texts.adminAwardPreview(await deps.awardPreview(parsed.month, nowMs)) };
      case 'log':
        return { answer: texts.adminLog(await deps.audit.recent(AUDIT_LOG_ENTRIES), deps.timeZone) };
      case 'deadletters':
        return { answer: texts.adminDeadLetters(await deps.deadLetters.list()) };
      case 'deadletters_replay': {
        const outcomes: ReplayOutcome[] =
          parsed.target === 'all'
            ? await deps.deadLetters.replayAll()
            : [await deps.deadLetters.replay(parsed.target.messageId)];
        const replayed = outcomes.filter((o) => o.ok);
        if (replayed.length > 0) {
          await audited(
            context,
            `deadletters replay ${parsed.target === 'all' ? 'all' : parsed.target.messageId}`,
            replayed.map((o) => ({ messageId: o.messageId, replayedAs: o.replayedAs })),
          );
        }
        return { answer: texts.adminReplayed(outcomes) };
      }
      case 'deadletters_discard': {
        const found = await deps.deadLetters.discard(parsed.messageId);
        if (found)
          await audited(context, `deadletters discard ${parsed.messageId}`, { discarded: parsed.messageId });
        return { answer: texts.adminDiscarded({ messageId: parsed.messageId, found }) };
      }
      case 'resync': {
        const { resync } = deps;
        if (!resync) return { answer: texts.adminResyncUnavailable() };
        // A re-sync reads whole threads: well over Slack's 3 seconds, so it reports through response_url.
        void resync
          .resyncNow()
          .then((report) => deps.respond(command.response_url, texts.adminResyncReport(report)))
          .catch((error: unknown) => deps.warn(`admin resync failed: ${String(error)}`));
        return { answer: texts.adminResyncStarted() };
      }
    }
  };
}
