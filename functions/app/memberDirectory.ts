import type { SlackPort, SlackUser } from '../adapters/slack/slack.js';
import type { Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateDocument.js';
import { type MemberDoc, memberDocId, memberPartition } from './documents.js';

const refreshAfterMs = 24 * 60 * 60_000;

/** Member names and bot flags, cached in the store so the dashboard and the processor rarely ask Slack. */
export interface MemberDirectory {
  get(userId: string): Promise<SlackUser>;
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
      const user = await slack.userInfo(userId);
      await updateDocument<MemberDoc>(store, pk, memberDocId(userId), () => ({
        id: memberDocId(userId),
        pk,
        type: 'member',
        userId,
        name: user.name,
        isBot: user.isBot,
        fetchedAt: new Date(now()).toISOString(),
      }));
      return user;
    },
    async names() {
      const members = await store.query<MemberDoc>({ pk, type: 'member' });
      return new Map(members.map(({ doc }) => [doc.userId, doc.name]));
    },
  };
}
