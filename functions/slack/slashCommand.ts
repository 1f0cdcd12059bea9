/**
 * A slash command as Slack sends it (form fields over HTTP, the same fields as the payload of a Socket Mode
 * envelope), validated at the edge: what passes can be answered, queued and applied.
 */
import * as z from 'zod';
import { firstIssue } from './envelope.js';
import { MAX_RESPONSE_URL_CHARS, SLACK_CHANNEL_ID, SLACK_USER_ID, TRIGGER_ID } from './limits.js';

/** Slack limits what follows the command to a few thousand characters; more was not typed in Slack. */
const MAX_COMMAND_TEXT_CHARS = 4_000;

const slashCommandSchema = z.object({
  command: z.string().regex(/^\/[^\s/]{1,32}$/, 'is not a slash command'),
  text: z.string().max(MAX_COMMAND_TEXT_CHARS).default(''),
  user_id: z.string().regex(SLACK_USER_ID, 'is not a Slack user id'),
  channel_id: z.string().regex(SLACK_CHANNEL_ID, 'is not a Slack channel id').optional(),
  trigger_id: z.string().regex(TRIGGER_ID, 'is not a Slack trigger id'),
  response_url: z.url({ protocol: /^https?$/ }).max(MAX_RESPONSE_URL_CHARS),
});

export type SlashCommand = z.infer<typeof slashCommandSchema>;

export type ParsedSlashCommand = { ok: true; command: SlashCommand } | { ok: false; error: string };

export function parseSlashCommand(fields: unknown): ParsedSlashCommand {
  const parsed = slashCommandSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, error: `malformed slash command: ${firstIssue(parsed.error)}` };
  return { ok: true, command: parsed.data };
}
