import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDryRunSlack } from '../../functions/adapters/slack/dryRunSlack.js';
import type { SlackPort, SlackUser } from '../../functions/adapters/slack/slack.js';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { Store } from '../../functions/adapters/store/store.js';
import { type MemberDoc, memberDocId, memberPartition } from '../../functions/app/documents.js';
import { createMemberDirectory } from '../../functions/app/memberDirectory.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const CHANNEL = 'C0TIL0001';
const NOW = Date.parse('2026-11-24T10:00:00+09:00');
const DAY_MS = 24 * 60 * 60_000;

/** A member document as the til-bot importer writes it: a name, fetched long ago. */
const memberDoc = (userId: string, name: string, fetchedAtMs: number): MemberDoc => ({
  id: memberDocId(userId),
  pk: memberPartition(CHANNEL),
  type: 'member',
  userId,
  name,
  isBot: false,
  fetchedAt: new Date(fetchedAtMs).toISOString(),
});

/** A Slack that answers users.info with `user` (as the Web API adapter would), counting the calls. */
function slackAnswering(user: (id: string) => SlackUser) {
  const calls: string[] = [];
  const slack = {
    ...createDryRunSlack(() => {}),
    async userInfo(id: string) {
      calls.push(id);
      return user(id);
    },
  } satisfies SlackPort;
  return { slack, calls };
}

describe('member directory', () => {
  let dir: TempDir;
  let store: Store;

  beforeEach(async () => {
    dir = await makeTempDir('member-directory');
    store = await openFileStore(dir.path);
  });
  afterEach(async () => {
    await store.close();
    await dir.remove();
  });

  const directory = (slack: SlackPort) =>
    createMemberDirectory({ store, slack, channel: CHANNEL, now: () => NOW });

  it('in a dry run keeps a stale imported name instead of replacing it with the user id', async () => {
    await store.create(memberDoc('U000000001', '멤버01', NOW - 400 * DAY_MS));
    const members = directory(createDryRunSlack(() => {}));
    expect(await members.get('U000000001')).toEqual({ id: 'U000000001', name: '멤버01', isBot: false });
    expect((await members.names()).get('U000000001')).toBe('멤버01');
    // Refreshed all the same, so Slack is not asked again for a day.
    const stored = await store.read<MemberDoc>(memberPartition(CHANNEL), memberDocId('U000000001'));
    expect(stored?.doc.fetchedAt).toBe(new Date(NOW).toISOString());
  });

  it('keeps a known name when Slack has no name for the member either (users.info falls back to the id)', async () => {
    await store.create(memberDoc('U0ALICE', 'Alice', NOW - 2 * DAY_MS));
    const { slack } = slackAnswering((id) => ({ id, name: id, isBot: false }));
    expect((await directory(slack).get('U0ALICE')).name).toBe('Alice');
  });

  it("replaces a stale name with Slack's own name", async () => {
    await store.create(memberDoc('U0ALICE', '멤버01', NOW - 2 * DAY_MS));
    const { slack } = slackAnswering((id) => ({ id, name: 'Alice Kim', isBot: false }));
    const members = directory(slack);
    expect((await members.get('U0ALICE')).name).toBe('Alice Kim');
    expect((await members.names()).get('U0ALICE')).toBe('Alice Kim');
  });

  it('serves a fresh cached name without asking Slack', async () => {
    await store.create(memberDoc('U0ALICE', 'Alice', NOW - 60_000));
    const { slack, calls } = slackAnswering((id) => ({ id, name: 'Someone else', isBot: false }));
    expect((await directory(slack).get('U0ALICE')).name).toBe('Alice');
    expect(calls).toEqual([]);
  });

  it('records the id as the name of a member no one has named yet, and a bot flag', async () => {
    const { slack } = slackAnswering((id) => ({ id, name: id, isBot: true }));
    const members = directory(slack);
    expect(await members.get('U0NEW')).toEqual({ id: 'U0NEW', name: 'U0NEW', isBot: true });
    expect((await members.names()).get('U0NEW')).toBe('U0NEW');
  });

  it('#2: serves a stale name while Slack cannot answer, and fails only when it knows none', async () => {
    await store.create(memberDoc('U0ALICE', 'Alice', NOW - 2 * DAY_MS));
    const slack = {
      ...createDryRunSlack(() => {}),
      userInfo: async (): Promise<SlackUser> => {
        throw new Error('Slack users.info failed: http_503');
      },
    } satisfies SlackPort;
    expect(await directory(slack).get('U0ALICE')).toEqual({ id: 'U0ALICE', name: 'Alice', isBot: false });
    await expect(directory(slack).get('U0NOBODY')).rejects.toThrow(/http_503/);
  });
});
