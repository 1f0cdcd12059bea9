/**
 * A re-sync's repair as the Slack event it stands for, so that it is queued, routed and read (normalizeEvent,
 * the bot and own-message checks) exactly like one Slack delivered: normalizeEvent(slackEventOf(e)) is e.
 */
import type { ChallengeEvent, MessageContent, UserId } from '../domain/types.js';
import type { RawSlackEvent } from './envelope.js';

/** Links travel as rich-text `link` elements, as slimEvent keeps them; the text as it is. */
function messageBody(content: MessageContent) {
  return {
    text: content.text,
    ...(content.blockUrls.length > 0 && {
      blocks: [{ type: 'rich_text', elements: content.blockUrls.map((url) => ({ type: 'link', url })) }],
    }),
  };
}

/** `itemUser`: the author of the message a 👍 is on (Slack's `item_user`), when known. */
export function slackEventOf(event: ChallengeEvent, itemUser?: UserId): RawSlackEvent {
  switch (event.kind) {
    case 'message_posted':
      return {
        type: 'message',
        channel: event.channel,
        user: event.user,
        ...messageBody(event.content),
        ts: event.ts,
        ...(event.threadTs !== undefined && { thread_ts: event.threadTs }),
        event_ts: event.eventTs,
      };
    case 'message_edited':
      return {
        type: 'message',
        subtype: 'message_changed',
        channel: event.channel,
        ts: event.eventTs,
        event_ts: event.eventTs,
        message: {
          type: 'message',
          user: event.user,
          ...messageBody(event.content),
          ts: event.ts,
          ...(event.threadTs !== undefined && { thread_ts: event.threadTs }),
          ...(event.content.versionTs !== event.ts && { edited: { ts: event.content.versionTs } }),
        },
      };
    case 'message_deleted':
      return {
        type: 'message',
        subtype: 'message_deleted',
        channel: event.channel,
        ts: event.eventTs,
        event_ts: event.eventTs,
        deleted_ts: event.ts,
      };
    case 'reaction':
      return {
        type: event.added ? 'reaction_added' : 'reaction_removed',
        user: event.user,
        reaction: '+1',
        ...(itemUser !== undefined && { item_user: itemUser }),
        item: { type: 'message', channel: event.channel, ts: event.itemTs },
        event_ts: event.eventTs,
      };
  }
}
