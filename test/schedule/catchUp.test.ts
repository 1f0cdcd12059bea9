import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { Store } from '../../functions/adapters/store/store.js';
import {
  type AwardDoc,
  awardDocId,
  monthPartition,
  type ThreadDoc,
  threadDocId,
  type WeekDoc,
  weekDocId,
} from '../../functions/app/documents.js';
import { tsToMs } from '../../functions/domain/calendar.js';
import type { Services } from '../../functions/services.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import {
  ADMINS,
  BOT_TOKEN,
  CHANNEL,
  channelPosts,
  directMessagesTo,
  fakeClock,
  postsStartingWith,
  scheduleServices,
} from './scheduleHarness.js';

let dir: TempDir;
let store: Store;
let fake: FakeSlack;
let clock: ReturnType<typeof fakeClock>;
let services: Services;

beforeEach(async () => {
  dir = await makeTempDir('til-catch-up');
  store = await openFileStore(dir.path);
  clock = fakeClock();
  fake = await startFakeSlack({ token: BOT_TOKEN, now: clock.now });
  services = scheduleServices(store, fake, clock);
});
afterEach(async () => {
  await fake.close();
  await store.close();
  await dir.remove();
});

/** Sets the shared clock to `iso` and runs what is due then, as a timer tick would. */
const tickAt = (iso: string) => services.jobs.runDue(clock.set(iso));

const readWeek = async (month: string, weekKey: string) =>
  (await store.read<WeekDoc>(monthPartition(CHANNEL, month), weekDocId(weekKey)))?.doc;

describe('a missed Monday', () => {
  it('is posted at the next tick of the same week, once', async () => {
    // The app was down all Monday 2026-11-23; it comes back on Tuesday.
    const report = await tickAt('2026-11-24T10:00:00+09:00');
    expect(report).toMatchObject({ week: '2026-11-W4', weeklyPost: 'posted', monthlyAward: 'not-due' });
    const [post, ...more] = postsStartingWith(fake, '*TIL 11월 4주차*');
    expect(more).toHaveLength(0);
    expect(post!.args.text).toContain('마감: 11월 29일(일) 23:59까지');

    // The thread is the Tuesday post, and a reply in it finds its week.
    const week = await readWeek('2026-11', '2026-11-W4');
    expect(week).toMatchObject({ status: 'posted', weekKey: '2026-11-W4' });
    const threadTs = week!.threadTs!;
    expect(tsToMs(threadTs)).toBe(Date.parse('2026-11-24T10:00:00+09:00'));
    const thread = await store.read<ThreadDoc>(monthPartition(CHANNEL, '2026-11'), threadDocId(threadTs));
    expect(thread?.doc.weekKey).toBe('2026-11-W4');

    for (const iso of [
      '2026-11-24T10:00:00+09:00',
      '2026-11-26T18:00:00+09:00',
      '2026-11-29T23:59:59+09:00',
    ]) {
      expect((await tickAt(iso)).weeklyPost).toBe('already-posted');
    }
    expect(channelPosts(fake)).toHaveLength(1);
  });

  it('is never posted after its Sunday, and the next week waits for its own Monday post time', async () => {
    // Down from before Monday 2026-11-23 09:00 until the following Monday morning.
    const early = await tickAt('2026-11-30T08:00:00+09:00');
    expect(early).toMatchObject({ week: '2026-11-W5', weeklyPost: 'not-due', monthlyAward: 'not-due' });
    expect(fake.calls).toEqual([]);

    const onTime = await tickAt('2026-11-30T09:00:00+09:00');
    expect(onTime).toMatchObject({ week: '2026-11-W5', weeklyPost: 'posted' });
    expect(postsStartingWith(fake, '*TIL 11월 5주차*')).toHaveLength(1);
    expect(postsStartingWith(fake, '*TIL 11월 4주차*')).toHaveLength(0);
    expect(channelPosts(fake)).toHaveLength(1);
    expect(await readWeek('2026-11', '2026-11-W4')).toBeUndefined();
  });
});

describe('a failed post', () => {
  /** `job` as the Korean alert names it: 「2026년 11월 4주차 주간 공지」, 「2026년 11월 결과 발표」. */
  const alertFor = (job: string) =>
    `⚠️ [TIL 봇] 예약 작업 「${job}」 게시에 실패했습니다. 원인: Slack chat.postMessage failed: channel_not_found — 다음 실행 때 다시 시도합니다.`;

  it('keeps failing without flooding the admins: one alert an hour per job', async () => {
    // Only posts to the challenge channel fail; the admins' DMs go through.
    fake.failWhen(
      'chat.postMessage',
      (args) => !String(args.channel).startsWith('D'),
      { error: 'channel_not_found' },
      13,
    );
    for (const minute of [0, 5, 10, 30, 55]) {
      const at = `2026-11-23T09:${String(minute).padStart(2, '0')}:00+09:00`;
      expect((await tickAt(at)).weeklyPost).toBe('failed');
    }
    for (const admin of ADMINS) expect(directMessagesTo(fake, admin)).toHaveLength(1);
    expect((await tickAt('2026-11-23T10:00:00+09:00')).weeklyPost).toBe('failed');
    for (const admin of ADMINS) expect(directMessagesTo(fake, admin)).toHaveLength(2);
  });

  it('reports failed, alerts every admin by DM naming the job, and is posted at the next tick', async () => {
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    const failed = await tickAt('2026-11-23T09:00:00+09:00');
    expect(failed).toMatchObject({ week: '2026-11-W4', weeklyPost: 'failed' });
    expect(channelPosts(fake)).toHaveLength(0);

    for (const admin of ADMINS) {
      expect(fake.calls).toContainEqual({ method: 'conversations.open', args: { users: admin }, ok: true });
      const dms = directMessagesTo(fake, admin);
      expect(dms.map((c) => c.args.text)).toEqual([alertFor('2026년 11월 4주차 주간 공지')]);
      expect(String(dms[0]!.args.text)).not.toContain(BOT_TOKEN);
      expect(String(dms[0]!.args.text)).not.toMatch(/xox[a-z]-/);
    }
    // The claim was released, not left to expire: the very next tick (well inside the claim time) posts.
    expect(await readWeek('2026-11', '2026-11-W4')).toMatchObject({ status: 'claimed' });

    const retried = await tickAt('2026-11-23T09:01:00+09:00');
    expect(retried).toMatchObject({ week: '2026-11-W4', weeklyPost: 'posted' });
    expect(postsStartingWith(fake, '*TIL 11월 4주차*')).toHaveLength(1);
    expect(await readWeek('2026-11', '2026-11-W4')).toMatchObject({ status: 'posted' });

    expect((await tickAt('2026-11-23T09:02:00+09:00')).weeklyPost).toBe('already-posted');
    expect(channelPosts(fake)).toHaveLength(1);
    // One alert per admin: the successful retry alerts nobody.
    for (const admin of ADMINS) expect(directMessagesTo(fake, admin)).toHaveLength(1);
  });

  it("holds back last month's award until the first week's post is made, then posts both in order", async () => {
    expect((await tickAt('2026-11-02T09:00:00+09:00')).weeklyPost).toBe('posted');

    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    const failed = await tickAt('2026-12-07T09:00:00+09:00');
    expect(failed).toMatchObject({
      week: '2026-12-W1',
      weeklyPost: 'failed',
      monthlyAward: 'not-due',
      awardMonth: '2026-11',
    });
    expect(directMessagesTo(fake, ADMINS[0]!).map((c) => c.args.text)).toEqual([
      alertFor('2026년 12월 1주차 주간 공지'),
    ]);

    const retried = await tickAt('2026-12-07T09:05:00+09:00');
    expect(retried).toMatchObject({ weeklyPost: 'posted', monthlyAward: 'posted', awardMonth: '2026-11' });
    expect(channelPosts(fake).map((c) => String(c.args.text).split('\n')[0])).toEqual([
      '*TIL 11월 1주차*',
      '*TIL 12월 1주차*',
      '*11월 TIL 챌린지 결과*',
    ]);
    // Nobody replied in November's only posted week: the award says there is no challenger.
    expect(channelPosts(fake).at(-1)?.args.text).toBe(
      '*11월 TIL 챌린지 결과*\n11월에 게시된 1주 모두에 참여한 챌린저는 없었습니다. 이번 달에 도전해 주세요 💪',
    );
  });

  it('of the award alerts the admins naming the award, and the next tick posts it once', async () => {
    expect((await tickAt('2026-11-02T09:00:00+09:00')).weeklyPost).toBe('posted');
    // Fail the award, which is posted right after the week's post: arm the failure as soon as Slack has
    // accepted the week's post (the waiter runs before the app has even read Slack's answer).
    void fake
      .waitFor((c) => c.ok && String(c.args.text).startsWith('*TIL 12월 1주차*'))
      .then(() => fake.failNext('chat.postMessage', { error: 'channel_not_found' }));

    const failed = await tickAt('2026-12-07T09:00:00+09:00');
    expect(failed).toMatchObject({ weeklyPost: 'posted', monthlyAward: 'failed', awardMonth: '2026-11' });
    for (const admin of ADMINS) {
      expect(directMessagesTo(fake, admin).map((c) => c.args.text)).toEqual([
        alertFor('2026년 11월 결과 발표'),
      ]);
    }
    const award = await store.read<AwardDoc>(monthPartition(CHANNEL, '2026-11'), awardDocId('2026-11'));
    expect(award?.doc.status).toBe('claimed');

    const retried = await tickAt('2026-12-07T09:01:00+09:00');
    expect(retried).toMatchObject({ weeklyPost: 'already-posted', monthlyAward: 'posted' });
    expect(await tickAt('2026-12-08T09:00:00+09:00')).toMatchObject({
      weeklyPost: 'already-posted',
      monthlyAward: 'already-posted',
    });
    expect(postsStartingWith(fake, '*11월 TIL 챌린지 결과*')).toHaveLength(1);
    expect(postsStartingWith(fake, '*TIL 12월 1주차*')).toHaveLength(1);
  });
});

describe('a weekly post Slack may or may not have made', () => {
  it('#1: a post whose connection dropped after Slack posted it is found at the next tick, not posted again', async () => {
    fake.failNext('chat.postMessage', { dropConnection: 'after-performing' });
    expect((await tickAt('2026-11-23T09:00:00+09:00')).weeklyPost).toBe('failed');
    const [posted, ...more] = fake.messagesIn(CHANNEL);
    expect(more).toEqual([]);
    // It may heal by itself (the next tick looks first): no admin is bothered (#17).
    for (const admin of ADMINS) expect(directMessagesTo(fake, admin)).toEqual([]);

    expect((await tickAt('2026-11-23T09:05:00+09:00')).weeklyPost).toBe('posted');
    expect(postsStartingWith(fake, '*TIL 11월 4주차*')).toHaveLength(1);
    // The thread members reply in is the one Slack has.
    expect(await readWeek('2026-11', '2026-11-W4')).toMatchObject({ status: 'posted', threadTs: posted!.ts });
    expect(fake.messagesIn(CHANNEL)).toHaveLength(1);
  });

  it('#17: a post failing in a way that may heal alerts only once it has failed for 30 minutes, then hourly', async () => {
    // Posts in the channel fail; the admins' DMs go through.
    const endOutage = fake.failAll(
      { status: 503 },
      { except: (method, args) => method === 'conversations.open' || String(args.channel).startsWith('D') },
    );
    for (const minute of [0, 5, 10, 15, 20, 25]) {
      const at = `2026-11-23T09:${String(minute).padStart(2, '0')}:00+09:00`;
      expect((await tickAt(at)).weeklyPost).toBe('failed');
    }
    for (const admin of ADMINS) expect(directMessagesTo(fake, admin)).toEqual([]);
    expect((await tickAt('2026-11-23T09:30:00+09:00')).weeklyPost).toBe('failed');
    expect((await tickAt('2026-11-23T09:35:00+09:00')).weeklyPost).toBe('failed');
    for (const admin of ADMINS) {
      expect(directMessagesTo(fake, admin).map((c) => String(c.args.text))).toEqual([
        expect.stringContaining('http_503'),
      ]);
    }
    endOutage();
    expect((await tickAt('2026-11-23T09:40:00+09:00')).weeklyPost).toBe('posted');
    expect(postsStartingWith(fake, '*TIL 11월 4주차*')).toHaveLength(1);
  });
});
