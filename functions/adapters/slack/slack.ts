/** The Slack port: the few Web API calls the bot makes. Adapters: Web API client, dry run. */

export interface PostMessage {
  channel: string;
  text: string;
  threadTs?: string;
  /** Block Kit blocks; `text` stays the notification fallback. */
  blocks?: unknown[];
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
  sendDirectMessage(userId: string, text: string): Promise<void>;
  userInfo(userId: string): Promise<SlackUser>;
  permalink(channel: string, ts: string): Promise<string>;
}
