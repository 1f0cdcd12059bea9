/** The Slack port: the few Web API calls the bot makes. Adapters: Web API client, dry run. */

/**
 * Identifies a bot post (Slack message metadata: event_type + event_payload.id), so that after a crash between
 * Slack accepting a post and the store recording it, the post can be found instead of being made twice.
 */
export interface MessageTag {
  type: 'til_weekly_post' | 'til_broadcast' | 'til_monthly_award' | 'til_like_dm';
  id: string;
}

export interface PostMessage {
  channel: string;
  text: string;
  tag?: MessageTag;
}

export interface SlackUser {
  id: string;
  /** Display name, falling back to real name, then the id. */
  name: string;
  isBot: boolean;
}

export interface SlackPort {
  /** The app's own bot user id (auth.test), so its messages can be ignored. Undefined in dry run. */
  botUserId(): Promise<string | undefined>;
  postMessage(message: PostMessage): Promise<{ ts: string }>;
  /** conversations.open + chat.postMessage. */
  sendDirectMessage(userId: string, text: string, tag?: MessageTag): Promise<void>;
  userInfo(userId: string): Promise<SlackUser>;
  permalink(channel: string, ts: string): Promise<string>;
  /** The ts of a top-level channel message carrying `tag`, posted at or after `oldestTs`, if any. */
  findTaggedMessage(channel: string, tag: MessageTag, oldestTs: string): Promise<string | undefined>;
  /** findTaggedMessage in the app's direct-message conversation with `userId`. */
  findTaggedDirectMessage(userId: string, tag: MessageTag, oldestTs: string): Promise<string | undefined>;
}
