import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonthStats } from '../../functions/app/monthStats.js';
import { type FakeSlack, type SlackCall, startFakeSlack } from '../support/fakeSlack.js';
import {
  getJson,
  type LocalServer,
  postSlackEvent,
  startLocalServer,
  tick,
  waitUntilIdle,
} from '../support/localServer.js';
import { edit, reply, tsAt } from '../support/slackPayloads.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

/**
 * Members in Slack (SPEC 8) end to end: the real local server as a child process, signed events over HTTP, ticks
 * on a chosen instant, the loopback fake Slack. January 2027 (Mondays 4, 11, 18, 25), ahead of the real clock, so
 * "never after the deadline" by the real clock does not hide anything here. REMINDER_AT is Thursday 18:00.
 */
const LINK = (who: string, n: number) => `오늘 배운 것 <https://velog.io/@${who}/til-${n}|글>`;
const ephemerals = (slack: FakeSlack, user: string) =>
  slack.calls.filter((c) => c.ok && c.method === 'chat.postEphemeral' && c.args.user === user);
const reminderDms = (slack: FakeSlack): SlackCall[] =>
  slack.calls.filter(
    (c) =>
      c.ok &&
      c.method === 'chat.postMessage' &&
      (c.args.metadata as { event_type?: string } | undefined)?.event_type === 'til_reminder',
  );
const reminderTo = (call: SlackCall) => String(call.args.channel).replace(/^D/, '');

describe('members in Slack: reply feedback and reminders through the local server', () => {
  let slack: FakeSlack;
  let dataDir: TempDir;
  let server: LocalServer;
  let clock = Date.parse('2027-01-04T09:00:00+09:00');
  const threads = new Map<string, string>();
  let micros = 0;

  const env = () => ({
    SLACK_BOT_TOKEN: 'xoxb-members-e2e',
    SLACK_API_URL: slack.url,
    DATA_DIR: dataDir.path,
    REMINDER_AT: 'THU 18:00',
    PASSES_PER_MONTH: '1',
  });
  const stats = async () => (await getJson<MonthStats>(server, '/api/stats?month=2027-01')).body;

  /** Ticks at `iso` with Slack's clock there too (a weekly post gets a ts in its week). */
  async function tickAt(iso: string) {
    clock = Date.parse(iso);
    const report = await tick(server, iso);
    await waitUntilIdle(server);
    return report;
  }

  async function postWeek(mondayIso: string, key: string) {
    await tickAt(mondayIso);
    const week = (await stats()).weeks.find((w) => w.key === key);
    expect(week?.threadTs).toMatch(/^\d+\.\d+$/);
    threads.set(key, week!.threadTs);
  }

  async function replyIn(week: string, user: string, atIso: string, text: string) {
    const ts = tsAt(atIso, ++micros);
    const body = reply({ user, ts, threadTs: threads.get(week)!, text });
    expect((await postSlackEvent(server, body)).status).toBe(200);
    await waitUntilIdle(server);
    return { ts, body };
  }

  beforeAll(async () => {
    slack = await startFakeSlack({ now: () => clock });
    dataDir = await makeTempDir('til-members-e2e');
    server = await startLocalServer(env());
    await postWeek('2027-01-04T09:00:00+09:00', '2027-01-W1');
  });

  afterAll(async () => {
    await server?.stop();
    await slack?.close();
    await dataDir?.remove();
  });

  describe('reply feedback', () => {
    it('a reply without an accepted link gets one ephemeral note in its thread, and a retry of the event none', async () => {
      const { ts, body } = await replyIn(
        '2027-01-W1',
        'U0DAVE',
        '2027-01-05T10:00:00+09:00',
        '정리 중이에요 https://velog.io.evil.example/x',
      );
      const notes = ephemerals(slack, 'U0DAVE');
      expect(notes).toHaveLength(1);
      expect(notes[0]?.args).toMatchObject({ channel: 'C0TIL0001', thread_ts: threads.get('2027-01-W1') });
      const text = String(notes[0]?.args.text);
      console.log(`reply feedback (no link), ko:\n${text}`);
      expect(text).toContain('인정되는 블로그 글 링크가 없어 TIL 1월 1주차 제출로 인정되지 않았어요');
      expect(text).toContain('velog.io');

      // Slack retries the same event: dropped by the queue, and even a redelivery changes nothing.
      for (const retryNum of [1, 2])
        expect((await postSlackEvent(server, body, { retryNum })).status).toBe(200);
      await waitUntilIdle(server);
      expect(ephemerals(slack, 'U0DAVE')).toHaveLength(1);

      // An edit that adds a link makes it count (announced), and brings no second note.
      const editedTs = tsAt('2027-01-05T11:00:00+09:00', ++micros);
      await postSlackEvent(
        server,
        edit({ user: 'U0DAVE', ts, threadTs: threads.get('2027-01-W1')!, text: LINK('dave', 1), editedTs }),
      );
      await waitUntilIdle(server);
      expect(ephemerals(slack, 'U0DAVE')).toHaveLength(1);
      expect((await stats()).members.find((m) => m.userId === 'U0DAVE')).toMatchObject({
        weeks: ['2027-01-W1'],
      });
    });

    it('a reply with a link counts and gets no note', async () => {
      await replyIn('2027-01-W1', 'U0ALICE', '2027-01-05T12:00:00+09:00', LINK('alice', 1));
      await replyIn('2027-01-W1', 'U0BOB', '2027-01-06T12:00:00+09:00', LINK('bob', 1));
      await replyIn('2027-01-W1', 'U0CAROL', '2027-01-07T12:00:00+09:00', LINK('carol', 1));
      for (const user of ['U0ALICE', 'U0BOB', 'U0CAROL']) expect(ephemerals(slack, user)).toHaveLength(0);
    });
  });

  describe('reminders', () => {
    it('reach exactly the active members without a submission this week, once, across two concurrent ticks', async () => {
      await postWeek('2027-01-11T09:00:00+09:00', '2027-01-W2');
      // Alice submits before the reminder; Erin never took part (not active).
      await replyIn('2027-01-W2', 'U0ALICE', '2027-01-12T09:00:00+09:00', LINK('alice', 2));
      await replyIn('2027-01-W2', 'U0ERIN', '2027-01-12T10:00:00+09:00', '안녕하세요');
      // Before REMINDER_AT: nothing.
      await tickAt('2027-01-14T17:59:00+09:00');
      expect(reminderDms(slack)).toHaveLength(0);

      clock = Date.parse('2027-01-14T18:00:00+09:00');
      const reports = await Promise.all([
        tick(server, '2027-01-14T18:00:00+09:00'),
        tick(server, '2027-01-14T18:01:00+09:00'),
      ]);
      await waitUntilIdle(server);
      const sent = reminderDms(slack);
      expect(sent.map(reminderTo).sort()).toEqual(['U0BOB', 'U0CAROL', 'U0DAVE']);
      const reported = reports.map((r) => r.reminders as { sent: number; alreadyClaimed: number });
      expect(reported.reduce((n, r) => n + r.sent, 0)).toBe(3);

      const text = String(sent[0]?.args.text);
      console.log(`reminder DM, ko:\n${text}`);
      expect(text).toContain('*TIL 1월 2주차* 마감이 다가와요');
      expect(text).toContain('마감: 1월 17일(일) 23:59까지');
      expect(text).toContain('/til pass');
      expect(text).toContain('/til remind off');
      expect(text).toContain('https://fake.slack.com/archives/C0TIL0001/p');
    });

    it('a later tick, or one after a restart, sends none again, also after a member submits', async () => {
      await replyIn('2027-01-W2', 'U0BOB', '2027-01-15T09:00:00+09:00', LINK('bob', 2));
      await tickAt('2027-01-15T10:00:00+09:00');
      await server.stop();
      server = await startLocalServer(env());
      await tickAt('2027-01-17T23:00:00+09:00');
      expect(reminderDms(slack)).toHaveLength(3);
    });

    it('catches up later in the week when the app missed REMINDER_AT, and never after the deadline', async () => {
      await postWeek('2027-01-18T09:00:00+09:00', '2027-01-W3');
      await replyIn('2027-01-W3', 'U0CAROL', '2027-01-19T09:00:00+09:00', LINK('carol', 3));
      // No tick on Thursday: Saturday's tick catches up.
      await tickAt('2027-01-23T12:00:00+09:00');
      const w3 = reminderDms(slack).slice(3);
      expect(w3.map(reminderTo).sort()).toEqual(['U0ALICE', 'U0BOB', 'U0DAVE']);

      // Week 4 is posted, then the app is down until after its deadline: its reminders never go out.
      await postWeek('2027-01-25T09:00:00+09:00', '2027-01-W4');
      await tickAt('2027-02-01T08:00:00+09:00');
      expect(reminderDms(slack)).toHaveLength(6);
    });
  });

  describe('late replies', () => {
    it('a reply after the deadline gets the late note', async () => {
      await replyIn('2027-01-W1', 'U0ALICE', '2027-01-12T10:00:00+09:00', LINK('alice', 9));
      const notes = ephemerals(slack, 'U0ALICE');
      expect(notes).toHaveLength(1);
      const text = String(notes[0]?.args.text);
      console.log(`reply feedback (late), ko:\n${text}`);
      expect(text).toContain(
        'TIL 1월 1주차 마감(1월 10일(일) 23:59)이 지난 뒤에 올라와 제출로 인정되지 않아요',
      );
    });
  });
});
