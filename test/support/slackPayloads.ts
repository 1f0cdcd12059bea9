/** Slack Events API bodies as Slack sends them (message.channels, message_changed/deleted, reactions). */
import { CHANNEL } from './localServer.js';

let counter = 0;
export const nextEventId = () =>
  `Ev${(++counter).toString().padStart(8, '0')}${Math.random().toString(36).slice(2, 6).toUpperCase()}`;

/** A Slack ts for an ISO instant, with a distinguishing micro part. */
export function tsAt(iso: string, micros = 1): string {
  return `${Math.floor(Date.parse(iso) / 1000)}.${String(micros).padStart(6, '0')}`;
}

function callback(event: Record<string, unknown>, eventId = nextEventId()) {
  return {
    token: 'verification-token-unused',
    team_id: 'T0TEAM',
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Number(event.event_ts ?? 0)),
    event,
  };
}

export function reply(o: { user: string; ts: string; threadTs: string; text: string; eventId?: string }) {
  return callback(
    {
      type: 'message',
      channel: CHANNEL,
      channel_type: 'channel',
      user: o.user,
      text: o.text,
      ts: o.ts,
      thread_ts: o.threadTs,
      event_ts: o.ts,
    },
    o.eventId,
  );
}

export function edit(o: { user: string; ts: string; threadTs: string; text: string; editedTs: string }) {
  return callback({
    type: 'message',
    subtype: 'message_changed',
    channel: CHANNEL,
    hidden: true,
    ts: o.editedTs,
    event_ts: o.editedTs,
    message: {
      type: 'message',
      user: o.user,
      text: o.text,
      ts: o.ts,
      thread_ts: o.threadTs,
      edited: { user: o.user, ts: o.editedTs },
    },
    previous_message: { type: 'message', user: o.user, text: '', ts: o.ts, thread_ts: o.threadTs },
  });
}

export function deletion(o: { ts: string; threadTs: string; eventTs: string }) {
  return callback({
    type: 'message',
    subtype: 'message_deleted',
    channel: CHANNEL,
    hidden: true,
    deleted_ts: o.ts,
    ts: o.eventTs,
    event_ts: o.eventTs,
    previous_message: { type: 'message', ts: o.ts, thread_ts: o.threadTs },
  });
}

export function reaction(o: {
  user: string;
  itemTs: string;
  itemUser: string;
  eventTs: string;
  added?: boolean;
  name?: string;
  eventId?: string;
}) {
  return callback(
    {
      type: o.added === false ? 'reaction_removed' : 'reaction_added',
      user: o.user,
      reaction: o.name ?? '+1',
      item_user: o.itemUser,
      item: { type: 'message', channel: CHANNEL, ts: o.itemTs },
      event_ts: o.eventTs,
    },
    o.eventId,
  );
}
