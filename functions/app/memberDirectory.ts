import type { SlackPort, SlackUser } from '../adapters/slack/slack.js';
import type { Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateDocument.js';
import { type MemberDoc, memberDocId, memberPartition } from './documents.js';

const refreshAfterMs = 24 * 60 * 60_000;

/**
 * Slack names no one: both adapters fall back to the user id when there is no display or real name (the dry run
 * always does, as it asks no one).
 */
const namesNoOne = (user: SlackUser) => user.name === user.id;

/** Member names and bot flags, cached in the store so the dashboard and the processor rarely ask Slack. */
export interface MemberDirectory {
  get(userId: string): Promise<SlackUser>;
  /** What the store knows of the member, however old, without asking Slack. */
  known(userId: string): Promise<SlackUser | undefined>;
  names(): Promise<Map<string, string>>;
}

export function createMemberDirectory(deps: {
  store: Store;
  slack: SlackPort;
  channel: string;
  now: () => number;
}): MemberDirectory {
  const { store, slack, channel, now } = deps;
  const pk = memberPartition(channel);
  return {
    async get(userId) {
      const cached = await store.read<MemberDoc>(pk, memberDocId(userId));
      if (cached && now() - Date.parse(cached.doc.fetchedAt) < refreshAfterMs) {
        return { id: userId, name: cached.doc.name, isBot: cached.doc.isBot };
      }
      // A stale entry beats none while Slack cannot answer: names and bot flags rarely change.
      const fetched = await slack.userInfo(userId).catch((error: unknown) => {
        if (cached) return undefined;
        throw error;
      });
      if (!fetched) return { id: userId, name: cached!.doc.name, isBot: cached!.doc.isBot };
      const stored = await updateDocument<MemberDoc>(store, pk, memberDocId(userId), (current) => ({
        id: memberDocId(userId),
        pk,
        type: 'member',
        userId,
        // A name we know (imported, or from an earlier lookup) is never replaced by the bare id.
        name: current && namesNoOne(fetched) ? current.name : fetched.name,
        isBot: fetched.isBot,
        fetchedAt: new Date(now()).toISOString(),
      }));
      const name = stored.stored?.doc.name ?? fetched.name;
      return { ...fetched, name };
    },
    async known(userId) {
      const cached = await store.read<MemberDoc>(pk, memberDocId(userId));
      return cached && { id: userId, name: cached.doc.name, isBot: cached.doc.isBot };
    },
    async names() {
      const members = await store.query<MemberDoc>({ pk, type: 'member', readOnly: true });
      return new Map(members.map(({ doc }) => [doc.userId, doc.name]));
    },
  };
}
