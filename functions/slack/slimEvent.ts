/**
 * The queue message's copy of a Slack event: what normalizeEvent reads, and nothing else.
 */
import { linkUrlsOf, messageSchema, type RawSlackEvent } from './envelope.js';

/** Slack's own limit on a message's text; anything longer was not written in Slack. */
export const MAX_TEXT_CHARS = 40_000;

/**
 * What the consumer reads of an inner event, and nothing else, for the queue: Slack sends every block of a
 * message twice over (text and rich text) and, for an edit, the previous version too, so a long edited Korean
 * reply can pass Service Bus Standard's 256 KB message limit. Slack's shape is kept (links stay `link` elements
 * in `blocks`, unfurls stay attachments), so normalizeEvent reads a slim event exactly as it reads a raw one,
 * including raw events queued before this existed.
 */
const REACTION_FIELDS = ['type', 'user', 'reaction', 'item_user', 'event_ts'];
const ITEM_FIELDS = ['type', 'channel', 'ts'];

export function slimEvent(event: RawSlackEvent): RawSlackEvent {
  switch (event.type) {
    case 'message':
      return {
        ...slimMessage(event),
        ...pick(event, ['channel', 'hidden', 'deleted_ts']),
        ...slimInner(event),
      };
    case 'reaction_added':
    case 'reaction_removed': {
      const slim = pick(event, REACTION_FIELDS);
      if (isRecord(event.item)) slim.item = pick(event.item, ITEM_FIELDS);
      return slim as RawSlackEvent;
    }
    case 'app_home_opened':
      // Slack adds the Home's current view, which the consumer never reads.
      return pick(event, ['type', 'user', 'tab', 'channel', 'event_ts']) as RawSlackEvent;
    default:
      return pick(event, ['type', 'event_ts']) as RawSlackEvent;
  }
}

function slimInner(event: RawSlackEvent): { message?: Record<string, unknown> } {
  return isRecord(event.message) ? { message: slimMessage(event.message) } : {};
}

function slimMessage(message: Record<string, unknown>): RawSlackEvent {
  const slim = pick(message, ['type', 'subtype', 'user', 'bot_id', 'ts', 'thread_ts', 'event_ts']);
  if (typeof message.text === 'string') slim.text = message.text.slice(0, MAX_TEXT_CHARS);
  if (isRecord(message.edited)) slim.edited = pick(message.edited, ['ts']);
  const parsed = messageSchema.safeParse({
    ...slim,
    blocks: message.blocks,
    attachments: message.attachments,
  });
  if (parsed.success) {
    const urls = linkUrlsOf({ ...parsed.data, attachments: undefined });
    if (urls.length > 0)
      slim.blocks = [{ type: 'rich_text', elements: urls.map((url) => ({ type: 'link', url })) }];
    const unfurls = linkUrlsOf({ ...parsed.data, blocks: undefined });
    if (unfurls.length > 0) slim.attachments = unfurls.map((url) => ({ from_url: url }));
  } else {
    // Malformed as Slack sent it: kept so the consumer ignores it for the same reason.
    Object.assign(slim, pick(message, ['blocks', 'attachments']));
  }
  return slim as RawSlackEvent;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function pick(from: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (from[key] !== undefined) picked[key] = from[key];
  return picked;
}
