/**
 * The envelope check the edge runs on every request, by hand: the zod schemas of envelope.ts stay the definition
 * (and give every 400 its message), but a zod parse costs more than the rest of the request path together. This
 * accepts only what those schemas accept, with the same result; anything else (a rejection, or a shape it does
 * not know) it leaves to them. test/slack/envelopeFastPath.test.ts holds the two to that.
 */
import { SLACK_TS, tsToMs } from '../domain/calendar.js';
import type { SlackTs } from '../domain/types.js';
import type { Envelope, RawSlackEvent } from './envelope.js';
import { EVENT_ID, MAX_TS_CHARS, SLACK_CHANNEL_ID, SLACK_USER_ID } from './limits.js';

/** The end of year 9999 in epoch seconds: the latest instant accepted, well inside what the calendar can place. */
export const LATEST_SECONDS = Date.UTC(9999, 11, 31, 23, 59, 59) / 1000;

type Fields = Record<string, unknown>;

/** What zod's `z.object` takes: an object that is neither null nor an array. */
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isTs = (value: unknown): value is SlackTs =>
  typeof value === 'string' &&
  value.length <= MAX_TS_CHARS &&
  SLACK_TS.test(value) &&
  tsToMs(value) <= LATEST_SECONDS * 1000;

const optional = (value: unknown, check: (value: unknown) => boolean) => value === undefined || check(value);
const isUserId = (value: unknown) => typeof value === 'string' && SLACK_USER_ID.test(value);
const isChannelId = (value: unknown) => typeof value === 'string' && SLACK_CHANNEL_ID.test(value);

/** `false`: a field is not what Slack sends (the zod path says which); otherwise the routing ts, if any. */
function routingTsOf(event: Fields): SlackTs | undefined | false {
  if (!optional(event.event_ts, isTs)) return false;
  const eventTs = event.event_ts as SlackTs | undefined;
  switch (event.type) {
    case 'message': {
      const { user, channel, ts, deleted_ts, message } = event;
      if (!optional(user, isUserId) || !optional(channel, isChannelId)) return false;
      if (!optional(ts, isTs) || !optional(deleted_ts, isTs)) return false;
      if (message !== undefined) {
        if (!isObject(message) || !optional(message.ts, isTs) || !optional(message.user, isUserId))
          return false;
      }
      // The routing schema reads a subtype that is no string as none.
      const subtype = typeof event.subtype === 'string' ? event.subtype : undefined;
      const routing =
        subtype === 'message_changed' ? message?.ts : subtype === 'message_deleted' ? deleted_ts : ts;
      return (routing as SlackTs | undefined) ?? eventTs;
    }
    case 'reaction_added':
    case 'reaction_removed': {
      const { user, item_user, item } = event;
      if (!optional(user, isUserId) || !optional(item_user, isUserId)) return false;
      if (item === undefined) return eventTs;
      if (!isObject(item) || !optional(item.ts, isTs) || !optional(item.channel, isChannelId)) return false;
      return (item.ts as SlackTs | undefined) ?? eventTs;
    }
    default:
      return eventTs;
  }
}

/** The envelope, when it is one parseEnvelope accepts; undefined when only the zod path can tell. */
export function acceptedEnvelope(json: unknown): Envelope | undefined {
  if (!isObject(json)) return undefined;
  if (json.type === 'url_verification') {
    return typeof json.challenge === 'string'
      ? { type: 'url_verification', challenge: json.challenge }
      : undefined;
  }
  if (json.type !== 'event_callback') return undefined;
  const { event_id, event_time, event } = json;
  if (typeof event_id !== 'string' || !EVENT_ID.test(event_id)) return undefined;
  if (event_time !== undefined) {
    if (typeof event_time !== 'number' || !Number.isInteger(event_time)) return undefined;
    if (event_time <= 0 || event_time > LATEST_SECONDS) return undefined;
  }
  if (!isObject(event) || typeof event.type !== 'string') return undefined;
  const routing = routingTsOf(event);
  if (routing === false) return undefined;
  const aboutNoMessage = !('ts' in event) && !('event_ts' in event);
  const routingTs =
    routing ?? (aboutNoMessage && event_time !== undefined ? `${event_time}.000000` : undefined);
  if (routingTs === undefined) return undefined;
  return { type: 'event_callback', eventId: event_id, routingTs, event: event as RawSlackEvent };
}
