import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonthStats } from '../../functions/app/monthStats.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import {
  getJson,
  type LocalServer,
  postSlackEvent,
  startLocalServer,
  tick,
  waitUntilIdle,
} from '../support/localServer.js';
import { reaction, reply, tsAt } from '../support/slackPayloads.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

/**
 * The bot end to end on one machine: the real local server as a child process, signed Slack requests over HTTP,
 * the embedded queue and store on disk, Slack calls answered by the loopback fake Web API.
 */
const MONDAY = '2026-11-23T09:00:00+09:00';
const broadcastsIn = (slack: FakeSlack, userId: string) =>
  slack.calls.filter(
    (c) =>
      c.ok &&
      c.method === 'chat.postMessage' &&
      String(c.args.text).startsWith(`<@${userId}>님이 TIL 11월 4주차`),
  );
const memberOf = (stats: MonthStats, userId: string) => stats.members.find((m) => m.userId === userId);

describe('the bot on one machine, driven by signed Slack requests', () => {
  let slack: FakeSlack;
  let dataDir: TempDir;
  let server: LocalServer;
  let threadTs: string;
  let replyCounter = 0;
  /** A fresh reply ts on Tuesday of the posted week, unique per call. */
  const nextReplyTs = () => tsAt('2026-11-24T10:00:00+09:00', ++replyCounter);

  const env = () => ({
    SLACK_BOT_TOKEN: 'xoxb-e2e',
    SLACK_API_URL: slack.url,
    DATA_DIR: dataDir.path,
  });

  const stats = async () => (await getJson<MonthStats>(server, '/api/stats?month=2026-11')).body;

  beforeAll(async () => {
    // Slack's clock: Monday 09:00 for the weekly post, then after every reply below (as in real life, the bot
    // posts after the messages it reacts to).
    let clock = Date.parse(MONDAY);
    slack = await startFakeSlack({ now: () => clock });
    dataDir = await makeTempDir('til-e2e');
    server = await startLocalServer(env());
    await tick(server, MONDAY);
    await slack.waitFor(
      (c) => c.method === 'chat.postMessage' && String(c.args.text).includes('*TIL 11월 4주차*'),
    );
    clock = Date.parse('2026-11-27T00:00:00+09:00');
    const weeks = (await stats()).weeks;
    threadTs = weeks[0]?.threadTs ?? '';
    expect(threadTs).toMatch(/^\d+\.\d+$/);
  });

  afterAll(async () => {
    await server?.stop();
    await slack?.close();
    await dataDir?.remove();
  });

  it('answers url_verification with the challenge', async () => {
    const res = await postSlackEvent(server, { type: 'url_verification', token: 'x', challenge: 'c-123' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'c-123' });
  });

  it('rejects an unsigned or wrongly signed request with 401', async () => {
    const res = await postSlackEvent(server, reply({ user: 'UX', ts: nextReplyTs(), threadTs, text: 'x' }), {
      secret: 'not-the-secret',
    });
    expect(res.status).toBe(401);
  });

  it('a reply with a blog link gives exactly one broadcast', async () => {
    const ts = nextReplyTs();
    const res = await postSlackEvent(
      server,
      reply({ user: 'U0ALICE', ts, threadTs, text: '이번 주 TIL <https://velog.io/@alice/til-1|글>' }),
    );
    expect(res.status).toBe(200);
    await waitUntilIdle(server);
    const broadcasts = broadcastsIn(slack, 'U0ALICE');
    expect(broadcasts).toHaveLength(1);
    expect(broadcasts[0]?.args.channel).toBe('C0TIL0001');
    expect(String(broadcasts[0]?.args.text)).toContain('님이 TIL 11월 4주차 챌린지에 참여했습니다 🔥🔥');
    expect(memberOf(await stats(), 'U0ALICE')).toMatchObject({
      weeks: ['2026-11-W4'],
      submissions: 1,
      likes: 0,
    });
  });

  it('four deliveries of one event_id (Slack retries) still give one broadcast', async () => {
    const body = reply({
      user: 'U0BOB',
      ts: nextReplyTs(),
      threadTs,
      text: '<https://bob.github.io/til/2026-11-24>',
    });
    const answers = await Promise.all(
      [0, 1, 2, 3].map((retryNum) => postSlackEvent(server, body, { retryNum })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    await waitUntilIdle(server);
    expect(broadcastsIn(slack, 'U0BOB')).toHaveLength(1);
  });

  it('a second link by the same member in the same week does not broadcast again', async () => {
    await postSlackEvent(
      server,
      reply({ user: 'U0ALICE', ts: nextReplyTs(), threadTs, text: '하나 더 https://velog.io/@alice/til-2' }),
    );
    await waitUntilIdle(server);
    expect(broadcastsIn(slack, 'U0ALICE')).toHaveLength(1);
    expect(memberOf(await stats(), 'U0ALICE')?.submissions).toBe(2);
  });

  it('a velog.io.evil.example link gives no broadcast and no participation', async () => {
    await postSlackEvent(
      server,
      reply({ user: 'U0MALLORY', ts: nextReplyTs(), threadTs, text: '<https://velog.io.evil.example/x>' }),
    );
    await waitUntilIdle(server);
    expect(broadcastsIn(slack, 'U0MALLORY')).toHaveLength(0);
    expect(memberOf(await stats(), 'U0MALLORY')).toBeUndefined();
  });

  it('100 concurrent likes count 100', async () => {
    const ts = nextReplyTs();
    await postSlackEvent(
      server,
      reply({ user: 'U0CAROL', ts, threadTs, text: 'https://m.blog.naver.com/carol/1' }),
    );
    const likers = Array.from({ length: 100 }, (_, i) => `U0LIKER${String(i).padStart(3, '0')}`);
    const answers = await Promise.all(
      likers.map((user, i) =>
        postSlackEvent(
          server,
          reaction({
            user,
            itemTs: ts,
            itemUser: 'U0CAROL',
            eventTs: tsAt('2026-11-25T12:00:00+09:00', i + 1),
          }),
        ),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await waitUntilIdle(server);
    const carol = memberOf(await stats(), 'U0CAROL');
    expect(carol?.likes).toBe(100);
    const week = (await stats()).weeks.find((w) => w.key === '2026-11-W4');
    expect(week?.likes).toBeGreaterThanOrEqual(100);
  });

  it('a removal processed before its add still ends right', async () => {
    const ts = nextReplyTs();
    await postSlackEvent(
      server,
      reply({ user: 'U0DAVE', ts, threadTs, text: 'https://github.com/dave/til' }),
    );
    // Dana liked then unliked, but Slack delivered the removal first.
    await postSlackEvent(
      server,
      reaction({ user: 'U0DANA', itemTs: ts, itemUser: 'U0DAVE', eventTs: tsAt(MONDAY, 900), added: false }),
    );
    await postSlackEvent(
      server,
      reaction({
        user: 'U0DANA',
        itemTs: ts,
        itemUser: 'U0DAVE',
        eventTs: tsAt(MONDAY, 800),
        name: 'thumbsup',
      }),
    );
    // Erin's add arrives after her (earlier) removal: she still likes it.
    await postSlackEvent(
      server,
      reaction({ user: 'U0ERIN', itemTs: ts, itemUser: 'U0DAVE', eventTs: tsAt(MONDAY, 700), added: false }),
    );
    await postSlackEvent(
      server,
      reaction({
        user: 'U0ERIN',
        itemTs: ts,
        itemUser: 'U0DAVE',
        eventTs: tsAt(MONDAY, 950),
        name: '+1::skin-tone-3',
      }),
    );
    await waitUntilIdle(server);
    expect(memberOf(await stats(), 'U0DAVE')?.likes).toBe(1);
  });

  it('kill -9 in the middle of a burst of 500 events: after a restart all 500 are applied, none twice', async () => {
    const authors = Array.from({ length: 50 }, (_, i) => `U0AUTH${String(i).padStart(3, '0')}`);
    const replies = authors.map((user) => ({ user, ts: nextReplyTs() }));
    const events = [
      ...replies.map((r) => reply({ ...r, threadTs, text: `<https://velog.io/@${r.user}/burst>` })),
      ...Array.from({ length: 450 }, (_, i) => {
        const target = replies[i % replies.length]!;
        return reaction({
          user: `U0FAN${String(i).padStart(4, '0')}`,
          itemTs: target.ts,
          itemUser: target.user,
          eventTs: tsAt('2026-11-26T12:00:00+09:00', i + 1),
        });
      }),
    ];
    // 25 concurrent senders; the server is killed once 250 events are acknowledged, with requests in flight
    // and the queue still holding work. Requests that got no 200 are what Slack would retry.
    const acknowledged = new Set<number>();
    let next = 0;
    let killing: Promise<void> | undefined;
    const sender = async () => {
      while (!killing && next < events.length) {
        const i = next++;
        const answer = await postSlackEvent(server, events[i]).catch(() => undefined);
        if (answer?.status === 200) acknowledged.add(i);
        if (acknowledged.size >= 250) killing ??= server.kill9();
      }
    };
    await Promise.all(Array.from({ length: 25 }, sender));
    await killing;
    expect(acknowledged.size).toBeGreaterThanOrEqual(250);
    expect(acknowledged.size).toBeLessThan(500);

    server = await startLocalServer(env());
    // Precondition of the scenario: the crash left accepted work unprocessed (one session, processed in order).
    const { body: health } = await getJson<{ pending: number }>(server, '/api/health');
    expect(health.pending).toBeGreaterThan(0);
    const retries = events.flatMap((event, i) => (acknowledged.has(i) ? [] : [{ event, i }]));
    for (let b = 0; b < retries.length; b += 25) {
      const answers = await Promise.all(
        retries
          .slice(b, b + 25)
          .map(({ event, i }) => postSlackEvent(server, event, { retryNum: i < next ? 1 : 0 })),
      );
      expect(answers.every((a) => a.status === 200)).toBe(true);
    }
    await waitUntilIdle(server, 120_000);

    const after = await stats();
    for (const r of replies) {
      expect(memberOf(after, r.user), r.user).toMatchObject({ submissions: 1, likes: 9 });
      expect(broadcastsIn(slack, r.user), r.user).toHaveLength(1);
    }
  });

  it('SIGTERM drains in-flight work and exits 0; what was accepted is processed after the restart', async () => {
    const ts = nextReplyTs();
    await postSlackEvent(
      server,
      reply({ user: 'U0FRANK', ts, threadTs, text: 'https://velog.io/@frank/til' }),
    );
    const likes = Array.from({ length: 40 }, (_, i) =>
      reaction({
        user: `U0SIG${i}`,
        itemTs: ts,
        itemUser: 'U0FRANK',
        eventTs: tsAt('2026-11-26T18:00:00+09:00', i + 1),
      }),
    );
    for (const like of likes) expect((await postSlackEvent(server, like)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    expect(server.output.some((line) => line.includes('SIGTERM: draining in-flight work'))).toBe(true);
    expect(server.output.at(-1)).toContain('stopped');

    server = await startLocalServer(env());
    await waitUntilIdle(server);
    expect(memberOf(await stats(), 'U0FRANK')).toMatchObject({ submissions: 1, likes: 40 });
    expect(broadcastsIn(slack, 'U0FRANK')).toHaveLength(1);
  });
});
