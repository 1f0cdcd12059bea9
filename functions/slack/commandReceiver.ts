/**
 * The `/til` command, whatever carried it (HTTP here, Socket Mode elsewhere): split into a subcommand and its
 * arguments, run from the table, answered at once. What changes state is queued (and answered later, through the
 * response_url, by the consumer); what only reads is answered in the acknowledgement itself.
 */
import type { OutgoingMessage, QueueSender } from '../adapters/queue/queue.js';
import type { SlashCommand } from './slashCommand.js';

export interface CommandContext {
  command: SlashCommand;
  /** The subcommand as typed (lower-cased), `''` for a bare `/til`. */
  name: string;
  /** What follows the subcommand, split on white space. */
  args: string[];
  /** When the edge received it: the instant a pass or an admin action is about. */
  nowMs: number;
}

/** An answer now (ephemeral, in the acknowledgement), or a queue message whose consumer will answer. */
export type CommandOutcome = { answer: string } | { enqueue: OutgoingMessage };

export type Subcommand = (context: CommandContext) => CommandOutcome | Promise<CommandOutcome>;

/**
 * Subcommands by name (`''` is the bare command). Members' entries come from slack/memberCommands.ts, `admin`
 * from slack/adminCommand.ts; services.ts puts them together.
 */
export interface CommandTable {
  subcommands: Readonly<Record<string, Subcommand>>;
  /** What a subcommand nobody knows gets: help, never silence. */
  unknown: Subcommand;
}

/** The acknowledgement Slack shows the member (ephemeral), or an empty 200 when the answer follows later. */
export type CommandAck = { response_type: 'ephemeral'; text: string } | undefined;

export interface CommandReceiverDeps {
  table: CommandTable;
  queue: QueueSender;
  now: () => number;
}

export function createCommandReceiver(deps: CommandReceiverDeps) {
  return async function receive(command: SlashCommand): Promise<CommandAck> {
    const [typed = '', ...args] = command.text.trim().split(/\s+/).filter(Boolean);
    const name = typed.toLowerCase();
    const { subcommands, unknown } = deps.table;
    const run = Object.hasOwn(subcommands, name) ? subcommands[name]! : unknown;
    const outcome = await run({ command, name, args, nowMs: deps.now() });
    if ('answer' in outcome) return { response_type: 'ephemeral', text: outcome.answer };
    await deps.queue.send(outcome.enqueue);
    return undefined;
  };
}

export type CommandReceiver = ReturnType<typeof createCommandReceiver>;
