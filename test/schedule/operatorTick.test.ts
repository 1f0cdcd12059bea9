import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { DocQuery, Store } from '../../functions/adapters/store/store.js';
import { monthPartition, type WeekDoc, weekDocId } from '../../functions/app/documents.js';
import type { Services } from '../../functions/services.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import { BOT_TOKEN, CHANNEL, fakeClock, postsStartingWith, scheduleServices } from './scheduleHarness.js';

let dir: TempDir;
let store: Store;
let queries: DocQuery[];
let fake: FakeSlack;
let clock: ReturnType<typeof fakeClock>;
let services: Services;

beforeEach(async () => {
  dir = await makeTempDir('til-operator-tick');
  const inner = await openFileStore(dir.path);
  queries = [];
  store = {
    ...inner,
    read: (pk, id) => inner.read(pk, id),
    create: (doc) => inner.create(doc),
    replace: (doc, etag) => inner.replace(doc, etag),
    close: () => inner.close(),
    query: (q) => {
      queries.push(q);
      return inner.query(q);
    },
  };
  clock = fakeClock();
  fake = await startFakeSlack({ token: BOT_TOKEN, now: clock.now });
  services = scheduleServices(store, fake, clock);
});
afterEach(async () => {
  await fake.close();
  await store.close();
  await dir.remove();
});

describe('a tick for another instant than now', () => {
  it('#5: an operator tick in the past claims on the real clock, so the scheduler does not post the week again', async () => {
    // It is 09:20; an operator re-runs the 09:05 tick. Slack takes its time over the post (a second).
    clock.set('2026-11-23T09:20:00+09:00');
    fake.failNext('chat.postMessage', { slowMs: 1_000, performLate: true });
    const operator = services.jobs.runDue(Date.parse('2026-11-23T09:05:00+09:00'));
    // Meanwhile the scheduler's own tick comes: the claim is fresh by the real clock.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const scheduler = await services.jobs.runDue(clock.now());
    expect(scheduler.weeklyPost).toBe('claimed-elsewhere');
    expect((await operator).weeklyPost).toBe('posted');
    expect(postsStartingWith(fake, '*TIL 11월 4주차*')).toHaveLength(1);
    const week = await store.read<WeekDoc>(monthPartition(CHANNEL, '2026-11'), weekDocId('2026-11-W4'));
    expect(week?.doc).toMatchObject({ status: 'posted', postedAt: '2026-11-23T00:20:00.000Z' });
  });

  it('#5: a claim made by a tick for an earlier instant expires ten minutes after it was really made', async () => {
    clock.set('2026-11-23T09:20:00+09:00');
    // Slack is slow to answer: the claim is read while the post is in flight.
    fake.failNext('chat.postMessage', { slowMs: 3_000 });
    const slow = services.jobs.runDue(Date.parse('2026-11-23T09:01:00+09:00'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const week = await store.read<WeekDoc>(monthPartition(CHANNEL, '2026-11'), weekDocId('2026-11-W4'));
    expect(week?.doc).toMatchObject({
      status: 'claimed',
      claimedAt: '2026-11-23T00:20:00.000Z',
      claimExpiresAt: '2026-11-23T00:30:00.000Z',
    });
    await slow;
  });
});

describe('the award job', () => {
  it('#20: reads no submissions at the ticks after the award is posted', async () => {
    clock.set('2026-11-02T09:00:00+09:00');
    expect((await services.jobs.runDue(clock.now())).weeklyPost).toBe('posted');
    clock.set('2026-12-07T09:00:00+09:00');
    expect((await services.jobs.runDue(clock.now())).monthlyAward).toBe('posted');
    queries.length = 0;
    for (const iso of [
      '2026-12-07T09:05:00+09:00',
      '2026-12-08T12:00:00+09:00',
      '2026-12-13T23:55:00+09:00',
    ]) {
      expect((await services.jobs.runDue(clock.set(iso))).monthlyAward).toBe('already-posted');
    }
    // Only the sweep's query for pending effects, which reads nothing while nothing is pending (the queries by
    // thread are the re-sync's of the open weeks, when due: not the award's).
    expect(
      queries.filter((q) => q.type === 'submission' && !q.where?.pendingEffects && !q.where?.threadTs),
    ).toEqual([]);
  });
});
