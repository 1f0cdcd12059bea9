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

let triggerCounter = 0;
/** A Slack-like trigger id, unique per call. */
export const nextTriggerId = () =>
  `${Date.now()}.${++triggerCounter}.${Math.random().toString(16).slice(2, 14)}`;

/** The form fields of a slash command as Slack posts them (`/til <text>`). */
export function slashCommand(o: {
  user: string;
  text: string;
  responseUrl: string;
  triggerId?: string;
  command?: string;
}): Record<string, string> {
  return {
    token: 'verification-token-unused',
    team_id: 'T0TEAM',
    team_domain: 'til',
    channel_id: 'D0DM00001',
    channel_name: 'directmessage',
    user_id: o.user,
    user_name: o.user.toLowerCase(),
    command: o.command ?? '/til',
    text: o.text,
    api_app_id: 'A0APP',
    is_enterprise_install: 'false',
    response_url: o.responseUrl,
    trigger_id: o.triggerId ?? nextTriggerId(),
  };
}

/** A block_actions payload of a click on an App Home button (no response_url, as Slack sends it). */
export function homeButtonClick(o: { user: string; actionId: string; triggerId?: string; value?: string }) {
  return {
    type: 'block_actions',
    user: { id: o.user, username: o.user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'verification-token-unused',
    container: { type: 'view', view_id: 'V0HOME' },
    trigger_id: o.triggerId ?? nextTriggerId(),
    team: { id: 'T0TEAM', domain: 'til' },
    view: { id: 'V0HOME', type: 'home', blocks: [] },
    actions: [
      {
        type: 'button',
        action_id: o.actionId,
        block_id: 'til_week',
        text: { type: 'plain_text', text: 'x' },
        ...(o.value !== undefined && { value: o.value }),
        action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
      },
    ],
  };
}

/** An app_home_opened event callback (the Home tab unless `tab` says otherwise). */
export function appHomeOpened(o: { user: string; eventTs: string; tab?: string; eventId?: string }) {
  return callback(
    {
      type: 'app_home_opened',
      user: o.user,
      channel: 'D0DM00001',
      tab: o.tab ?? 'home',
      event_ts: o.eventTs,
    },
    o.eventId,
  );
}
