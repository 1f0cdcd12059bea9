import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCosmosStore } from '../../functions/adapters/store/cosmosStore.js';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { Store } from '../../functions/adapters/store/store.js';
import { monthPartition, type WeekDoc, weekDocId } from '../../functions/app/documents.js';
import type { JobOutcome, TickReport } from '../../functions/app/scheduledJobs.js';
import type { Services } from '../../functions/services.js';
import { type CosmosTestServer, startCosmosServer } from '../support/cosmosServer.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import { reply, tsAt } from '../support/slackPayloads.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import {
  BOT_TOKEN,
  CHANNEL,
  channelPosts,
  fakeClock,
  postsStartingWith,
  scheduleServices,
} from './scheduleHarness.js';

/**
 * How a backend gives `n` app instances their store: with Cosmos DB each instance has its own client on one
 * container (as separate Function instances do); the embedded file store lives in one process, so instances
 * share it.
 */
interface Backend {
  name: string;
  open(n: number): Promise<{ stores: Store[]; close(): Promise<void> }>;
}

let cosmos: CosmosTestServer;
beforeAll(async () => {
  cosmos = await startCosmosServer();
});
afterAll(async () => {
  await cosmos?.close();
});

const cosmosBackend: Backend = {
  name: 'Cosmos DB adapter (cosmosdb-server)',
  async open(n) {
    const database = `schedule-${randomUUID()}`;
    const connect = () =>
      createCosmosStore({
        endpoint: cosmos.endpoint,
        key: cosmos.key,
        agent: cosmos.agent,
        database,
        container: 'til',
        createIfNotExists: true,
      });
    const first = await connect();
    const stores = [first, ...(await Promise.all(Array.from({ length: n - 1 }, connect)))];
    return { stores, close: async () => void (await Promise.all(stores.map((s) => s.close()))) };
  },
};

const fileBackend: Backend = {
  name: 'embedded file store',
  async open(n) {
    const dir: TempDir = await makeTempDir('til-concurrent-ticks');
    const store = await openFileStore(dir.path);
    return {
      stores: Array.from({ length: n }, () => store),
      close: async () => {
        await store.close();
        await dir.remove();
      },
    };
  },
};

const INSTANCES = 10;

describe.each([cosmosBackend, fileBackend])('concurrent ticks against the $name', (backend) => {
  let fake: FakeSlack;
  let clock: ReturnType<typeof fakeClock>;
  let instances: Services[];
  let stores: Store[];
  let closeStores: () => Promise<void>;

  beforeEach(async () => {
    clock = fakeClock();
    fake = await startFakeSlack({ token: BOT_TOKEN, now: clock.now });
    ({ stores, close: closeStores } = await backend.open(INSTANCES));
    instances = stores.map((store) => scheduleServices(store, fake, clock));
  });
  afterEach(async () => {
    await fake.close();
    await closeStores();
  });

  /** `n` instances run the jobs due at `iso` at the same time. */
  async function concurrentTicks(n: number, iso: string): Promise<TickReport[]> {
    const nowMs = clock.set(iso);
    return Promise.all(instances.slice(0, n).map((services) => services.jobs.runDue(nowMs)));
  }

  const count = (outcomes: JobOutcome[], outcome: JobOutcome) => outcomes.filter((o) => o === outcome).length;
  const losers: JobOutcome[] = ['already-posted', 'claimed-elsewhere'];

  it.each([2, 10])('%i ticks at the same instant post the week once', async (n) => {
    const reports = await concurrentTicks(n, '2026-11-23T09:00:00+09:00');
    const outcomes = reports.map((r) => r.weeklyPost);
    expect(count(outcomes, 'posted')).toBe(1);
    for (const outcome of outcomes.filter((o) => o !== 'posted')) expect(losers).toContain(outcome);

    expect(postsStartingWith(fake, '*TIL 11월 4주차*')).toHaveLength(1);
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
    const week = await stores[0]!.read<WeekDoc>(monthPartition(CHANNEL, '2026-11'), weekDocId('2026-11-W4'));
    expect(week?.doc.status).toBe('posted');

    // And again, later, from every instance: still once.
    const later = await concurrentTicks(n, '2026-11-23T09:10:00+09:00');
    expect(later.map((r) => r.weeklyPost)).toEqual(Array(n).fill('already-posted'));
    expect(channelPosts(fake)).toHaveLength(1);
  });

  it.each([2, 10])(
    "%i ticks on the first Monday post the week once, then last month's award once",
    async (n) => {
      expect((await concurrentTicks(1, '2026-11-02T09:00:00+09:00'))[0]?.weeklyPost).toBe('posted');

      const reports = await concurrentTicks(n, '2026-12-07T09:00:00+09:00');
      expect(
        count(
          reports.map((r) => r.weeklyPost),
          'posted',
        ),
      ).toBe(1);
      expect(
        count(
          reports.map((r) => r.monthlyAward),
          'posted',
        ),
      ).toBe(1);

      // A retry storm a minute later: every instance sees both done.
      const later = await concurrentTicks(n, '2026-12-07T09:01:00+09:00');
      expect(later.map((r) => r.monthlyAward)).toEqual(Array(n).fill('already-posted'));
      expect(channelPosts(fake).map((c) => String(c.args.text).split('\n')[0])).toEqual([
        '*TIL 11월 1주차*',
        '*TIL 12월 1주차*',
        '*11월 TIL 챌린지 결과*',
      ]);
    },
  );

  it.each([2, 10])('%i instances racing for the award alone post it once', async (n) => {
    expect((await concurrentTicks(1, '2026-11-02T09:00:00+09:00'))[0]?.weeklyPost).toBe('posted');
    // The first Monday's award fails once (the week's post went out), so the award alone is left to do.
    void fake
      .waitFor((c) => c.ok && String(c.args.text).startsWith('*TIL 12월 1주차*'))
      .then(() => fake.failNext('chat.postMessage', { error: 'channel_not_found' }));
    expect((await concurrentTicks(1, '2026-12-07T09:00:00+09:00'))[0]).toMatchObject({
      weeklyPost: 'posted',
      monthlyAward: 'failed',
    });

    const reports = await concurrentTicks(n, '2026-12-07T09:05:00+09:00');
    expect(reports.map((r) => r.weeklyPost)).toEqual(Array(n).fill('already-posted'));
    const awards = reports.map((r) => r.monthlyAward);
    expect(count(awards, 'posted')).toBe(1);
    for (const outcome of awards.filter((o) => o !== 'posted')) expect(losers).toContain(outcome);
    expect(postsStartingWith(fake, '*11월 TIL 챌린지 결과*')).toHaveLength(1);
    expect(postsStartingWith(fake, '*TIL 12월 1주차*')).toHaveLength(1);
  });

  it.each([2, 10])('%i instances sweeping at once perform each pending effect once (#2)', async (n) => {
    await concurrentTicks(1, '2026-11-23T09:00:00+09:00');
    const week = await stores[0]!.read<WeekDoc>(monthPartition(CHANNEL, '2026-11'), weekDocId('2026-11-W4'));
    const threadTs = week!.doc.threadTs!;
    // Five members reply while the channel refuses posts: their broadcasts are left in the outbox.
    fake.failWhen('chat.postMessage', (args) => args.channel === CHANNEL, { error: 'not_in_channel' }, 5);
    clock.set('2026-11-23T09:02:00+09:00');
    const members = ['U0M1', 'U0M2', 'U0M3', 'U0M4', 'U0M5'];
    for (const [i, user] of members.entries()) {
      const envelope = reply({
        user,
        ts: tsAt('2026-11-23T09:01:00+09:00', i + 1),
        threadTs,
        text: `<https://velog.io/@${user}/til>`,
      });
      await instances[i % n]!.processEvent.process(
        { eventId: envelope.event_id, event: envelope.event },
        { messageId: envelope.event_id, deliveryCount: 1 },
      );
    }
    expect(channelPosts(fake)).toHaveLength(1);

    // After the backoff every instance's timer fires at once; each sweep races for the same outboxes.
    const reports = await concurrentTicks(n, '2026-11-23T09:10:00+09:00');
    const performed = reports.reduce((sum, r) => sum + (r.effects?.performed ?? 0), 0);
    expect(performed).toBe(members.length);
    for (const user of members) expect(postsStartingWith(fake, `<@${user}>님이`), user).toHaveLength(1);
    const later = await concurrentTicks(n, '2026-11-23T09:20:00+09:00');
    expect(later.map((r) => r.effects)).toEqual(Array(n).fill(undefined));
    expect(channelPosts(fake)).toHaveLength(1 + members.length);
  });
});
