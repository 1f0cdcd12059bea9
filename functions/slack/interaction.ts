/**
 * An interaction payload as Slack sends it (the JSON in `payload=` over HTTP, the payload of a Socket Mode
 * envelope), validated at the edge. The app only makes App Home buttons, so `block_actions` is the one type.
 */
import * as z from 'zod';
import { firstIssue } from './envelope.js';
import { MAX_RESPONSE_URL_CHARS, SLACK_USER_ID, TRIGGER_ID } from './limits.js';

const actionSchema = z.object({
  /** Block Kit limits an action_id to 255 characters and a button's value to 2,000. */
  action_id: z.string().min(1).max(255),
  value: z.string().max(2_000).optional(),
});

const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().regex(SLACK_USER_ID, 'is not a Slack user id') }),
  trigger_id: z.string().regex(TRIGGER_ID, 'is not a Slack trigger id'),
  /** Only for clicks in messages; App Home clicks have none. */
  response_url: z
    .url({ protocol: /^https?$/ })
    .max(MAX_RESPONSE_URL_CHARS)
    .optional(),
  container: z.looseObject({ type: z.string() }).optional(),
  /** One click is one action; Slack sends them one by one. */
  actions: z.array(actionSchema).min(1).max(25),
});

export type BlockActions = z.infer<typeof blockActionsSchema>;

export type ParsedInteraction = { ok: true; interaction: BlockActions } | { ok: false; error: string };

export function parseInteraction(json: unknown): ParsedInteraction {
  const type = z.object({ type: z.string() }).safeParse(json);
  if (type.success && type.data.type !== 'block_actions') {
    return { ok: false, error: `unknown interaction type ${type.data.type}` };
  }
  const parsed = blockActionsSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: `malformed interaction: ${firstIssue(parsed.error)}` };
  return { ok: true, interaction: parsed.data };
}
