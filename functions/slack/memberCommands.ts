/** The members' `/til` subcommands (SPEC 8): status and help answer at once, the rest are queued. */
import { memberActionMessage } from '../app/queuedEvent.js';
import type { MemberActionKind } from '../domain/memberAction.js';
import type { UserId } from '../domain/types.js';
import type { CommandContext, CommandOutcome, CommandTable } from './commandReceiver.js';

export interface MemberCommandDeps {
  timeZone: string;
  /** `/til status`: the member's status in brief. */
  statusText(userId: UserId, nowMs: number): Promise<string>;
  helpText(): string;
  /** Help, introduced by what was not understood. */
  unknownText(typed: string): string;
}

/** A command's messageId: one per trigger_id, so a retried or redelivered command is applied once. */
export const commandActionId = (triggerId: string) => `command:${triggerId}`;

export function memberCommands(deps: MemberCommandDeps): CommandTable {
  const queue = (action: MemberActionKind, { command, nowMs }: CommandContext): CommandOutcome => ({
    enqueue: memberActionMessage(
      { action, userId: command.user_id, atMs: nowMs, actionId: commandActionId(command.trigger_id) },
      { to: 'response_url', url: command.response_url },
      deps.timeZone,
    ),
  });
  const unknown = ({ command }: CommandContext): CommandOutcome => ({
    answer: deps.unknownText(command.text.trim()),
  });
  const status = async ({ command, nowMs }: CommandContext): Promise<CommandOutcome> => ({
    answer: await deps.statusText(command.user_id, nowMs),
  });
  /** `pass`, `pass undo`, `remind on|off`: one word more, from a fixed list; anything else is not understood. */
  const withArgument =
    (actions: Record<string, MemberActionKind>) =>
    (context: CommandContext): CommandOutcome => {
      const [argument = '', ...rest] = context.args.map((a) => a.toLowerCase());
      return rest.length === 0 && Object.hasOwn(actions, argument)
        ? queue(actions[argument]!, context)
        : unknown(context);
    };
  return {
    subcommands: {
      '': status,
      status,
      help: () => ({ answer: deps.helpText() }),
      pass: withArgument({ '': 'pass', undo: 'pass_undo' }),
      remind: withArgument({ on: 'remind_on', off: 'remind_off' }),
    },
    unknown,
  };
}
