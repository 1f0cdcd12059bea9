/** SlackPort for running without SLACK_BOT_TOKEN: prints what would be sent, marked `[dry-run]`, and never calls out. */
import type { SlackPort } from './slack.js';

export function createDryRunSlack(print: (line: string) => void = console.log): SlackPort {
  let lastTsMicros = 0;

  /** A Slack-format ts ("1793577600.000100"), strictly increasing like real message ts in one channel. */
  function nextTs(): string {
    lastTsMicros = Math.max(lastTsMicros + 1, Date.now() * 1000);
    const seconds = Math.floor(lastTsMicros / 1_000_000);
    return `${seconds}.${String(lastTsMicros % 1_000_000).padStart(6, '0')}`;
  }

  return {
    // No token, so no one to be and no channel to be in: the self-check reports the dry run instead.
    async identity() {
      return undefined;
    },
    async channelMembership() {
      return { isMember: true };
    },

    // No bot user exists in a dry run: nothing is posted, so there are no own messages to ignore.
    async botUserId() {
      return undefined;
    },

    async postMessage({ channel, text }) {
      const ts = nextTs();
      print(`[dry-run] chat.postMessage #${channel} -> ts ${ts}: ${text}`);
      return { ts };
    },

    async sendDirectMessage(userId, text) {
      print(`[dry-run] chat.postMessage DM @${userId}: ${text}`);
    },

    // No one is asked, so no name is known: the id in its place says so (the member directory then keeps a
    // name it already has, such as an imported one).
    async userInfo(userId) {
      return { id: userId, name: userId, isBot: false };
    },

    async permalink(channel, ts) {
      return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
    },

    // Nothing was ever really posted, so nothing can be found.
    async findTaggedMessage() {
      return undefined;
    },
    async findTaggedDirectMessage() {
      return undefined;
    },

    // No thread was ever really posted, so there is nothing to re-sync from (and nothing may read as deleted). Not
    // printed: it is a read, like users.info, and nothing would be sent.
    async threadRepliesPage() {
      return undefined;
    },
    async messageReactions() {
      return [];
    },

    async postEphemeral({ channel, user, threadTs, text }) {
      print(`[dry-run] chat.postEphemeral #${channel} thread ${threadTs} to @${user}: ${text}`);
    },

    async respond(_responseUrl, { text }) {
      print(`[dry-run] response_url (ephemeral): ${text}`);
    },

    async publishHomeView(userId, view) {
      print(`[dry-run] views.publish App Home @${userId}: ${view.blocks.length} blocks`);
    },
  };
}
