import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedQueue } from '../../functions/adapters/queue/embeddedQueue.js';
import { defaultQueueOptions } from '../../functions/adapters/queue/queue.js';
import type { MonthStats } from '../../functions/app/monthStats.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import {
  CHANNEL,
  getJson,
  type LocalServer,
  postSlackEvent,
  postSlackForm,
  startLocalServer,
  tick,
  waitUntilIdle,
} from '../support/localServer.js';
import { reply, slashCommand, tsAt } from '../support/slackPayloads.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

/**
 * `/til admin` end to end (SPEC 9, issue 13): signed slash commands to the real local server (a child process),
 * answers through the loopback fake Slack's response_url, effects read back from /api/stats and the award the
 * monthly job posts. February 2027 (Mondays 1, 8, 15, 22), ahead of the real clock.
 */
const ADMIN = 'U0ADMIN';
const LINK = (who: string, n: number) => `오늘 배운 것 <https://velog.io/@${who}/til-${n}|글>`;
const permalink = (ts: string, threadTs: string) =>
  `https://til-team.slack.com/archives/${CHANNEL}/p${ts.replace('.', '')}?thread_ts=${threadTs}&cid=${CHANNEL}`;

let triggers = 0;

/** A signed `/til <text>`: its immediate ephemeral answer, or (queued) what the consumer posts to response_url. */
async function slashTil(server: LocalServer, slack: FakeSlack, user: string, text: string, trigger?: string) {
  const id = `admin-e2e-${++triggers}`;
  const responseUrl = slack.responseUrl(id);
  const triggerId = trigger ?? `${triggers}.${Date.now()}.e2e`;
  const response = await postSlackForm(
    server,
    '/api/slack/commands',
    slashCommand({ user, text, responseUrl, triggerId }),
  );
  expect(response.status).toBe(200);
  const raw = await response.text();
  if (raw) return { now: true, text: (JSON.parse(raw) as { response_type: string; text: string }).text };
  const answer = await slack.waitFor(
    (c) => c.method === 'response_url' && responseUrl.endsWith(String(c.args.url)),
    30_000,
  );
  return { now: false, text: String(answer.args.text) };
}

describe('/til admin through the local server', () => {
  let slack: FakeSlack;
  let dataDir: TempDir;
  let server: LocalServer;
  let clock = Date.parse('2027-02-01T09:00:00+09:00');
  const threads = new Map<string, string>();
  let micros = 0;
  const replies = new Map<string, string>();

  const stats = async () => (await getJson<MonthStats>(server, '/api/stats?month=2027-02')).body;
  const member = async (userId: string) => (await stats()).members.find((m) => m.userId === userId);
  const broadcastsOf = (userId: string) =>
    slack.calls.filter(
      (c) => c.ok && c.method === 'chat.postMessage' && String(c.args.text).startsWith(`<@${userId}>님이`),
    );

  async function tickAt(iso: string) {
    clock = Date.parse(iso);
    const report = await tick(server, iso);
    await waitUntilIdle(server);
    return report;
  }

  async function postWeek(mondayIso: string, key: string) {
    await tickAt(mondayIso);
    const week = (await stats()).weeks.find((w) => w.key === key);
    threads.set(key, week!.threadTs);
  }

  async function replyIn(week: string, user: string, atIso: string, text = LINK(user, micros)) {
    clock = Date.parse(atIso);
    const ts = tsAt(atIso, ++micros);
    expect(
      (await postSlackEvent(server, reply({ user, ts, threadTs: threads.get(week)!, text }))).status,
    ).toBe(200);
    await waitUntilIdle(server);
    replies.set(`${week}:${user}`, ts);
    return ts;
  }

  const admin = (text: string) => slashTil(server, slack, ADMIN, text);

  beforeAll(async () => {
    slack = await startFakeSlack({ now: () => clock });
    dataDir = await makeTempDir('til-admin-e2e');
    server = await startLocalServer({
      SLACK_BOT_TOKEN: 'xoxb-admin-e2e',
      SLACK_API_URL: slack.url,
      DATA_DIR: dataDir.path,
      ADMIN_USER_IDS: ADMIN,
    });
    await postWeek('2027-02-01T09:00:00+09:00', '2027-02-W1');
    for (const user of ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE'])
      await replyIn('2027-02-W1', user, '2027-02-02T10:00:00+09:00');
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await slack?.close();
    await dataDir?.remove();
  });

  it('refuses a non-admin ephemerally, at once, and changes nothing', async () => {
    const answer = await slashTil(server, slack, 'U0ALICE', 'admin skip 2027-02-W2');
    console.log(`admin refusal, ko:\n${answer.text}`);
    expect(answer).toEqual({
      now: true,
      text: '🔒 `/til admin` 명령은 관리자만 쓸 수 있어요. 아무것도 바뀌지 않았습니다.',
    });
    await waitUntilIdle(server);
    expect((await admin('admin log')).text).toBe('📜 아직 관리자 작업 기록이 없어요.');
  });

  it('answers help for what it does not understand, changing nothing', async () => {
    expect((await admin('admin sikp 2027-02-W2')).text).toContain('`sikp`는 알 수 없는 관리자 명령이에요.');
    expect((await admin('admin extend 2027-02-W3 2027-02-30 10:00')).text).toContain(
      '실제로 있는 날짜와 시각',
    );
    expect((await admin('admin exclude https://evil.example/archives/C0TIL0001/p1')).text).toContain(
      'Slack 링크',
    );
    expect((await admin('admin log')).text).toBe('📜 아직 관리자 작업 기록이 없어요.');
  });

  it('skip by a date in the week: the week is not posted, and no one needs it', async () => {
    const answer = await slashTil(server, slack, ADMIN, 'admin skip 2027-02-10', '777.888.skip');
    expect(answer.now).toBe(false);
    expect(answer.text).toContain('TIL 2월 2주차를 건너뛰는 주로 정했어요');
    const report = await tickAt('2027-02-08T09:00:00+09:00');
    expect(report).toMatchObject({ week: '2027-02-W2', weeklyPost: 'skipped' });
    expect(slack.messagesIn(CHANNEL).some((m) => String(m.text).includes('TIL 2월 2주차'))).toBe(false);
    // Shown as skipped, with no thread (it was never posted).
    expect((await stats()).weeks.map((w) => [w.key, w.threadTs, w.skipped])).toEqual([
      ['2027-02-W1', threads.get('2027-02-W1'), undefined],
      ['2027-02-W2', '', true],
    ]);
    // The same command again (same trigger_id, as a retried delivery carries): dropped by the queue, recorded once.
    const fields = slashCommand({
      user: ADMIN,
      text: 'admin skip 2027-02-10',
      responseUrl: slack.responseUrl('again'),
      triggerId: '777.888.skip',
    });
    const again = await postSlackForm(server, '/api/slack/commands', fields);
    expect([again.status, await again.text()]).toEqual([200, '']);
    await waitUntilIdle(server);
    expect(
      slack.calls.filter((c) => c.method === 'response_url' && String(c.args.url).includes('/again/')),
    ).toEqual([]);
    expect((await admin('admin log')).text.split('\n')).toHaveLength(2);
  });

  it('extend: a reply after the week’s own deadline but before the new one is on time, and announced', async () => {
    await postWeek('2027-02-15T09:00:00+09:00', '2027-02-W3');
    for (const user of ['U0ALICE', 'U0CAROL', 'U0DAVE'])
      await replyIn('2027-02-W3', user, '2027-02-16T10:00:00+09:00');
    const answer = await admin('admin extend 2027-02-W3 2027-02-22 12:00');
    expect(answer.text).toContain('TIL 2월 3주차 마감을 2월 22일(월) 12:00까지 연장했어요');
    await postWeek('2027-02-22T09:00:00+09:00', '2027-02-W4');
    await replyIn('2027-02-W3', 'U0BOB', '2027-02-22T11:30:00+09:00');
    await replyIn('2027-02-W3', 'U0ERIN', '2027-02-22T12:01:00+09:00');
    const week3 = (await stats()).weeks.find((w) => w.key === '2027-02-W3');
    expect(week3).toMatchObject({ participants: 4, deadline: '2027-02-22T12:00:59.999+09:00' });
    expect((await member('U0BOB'))?.weeks).toEqual(['2027-02-W1', '2027-02-W3']);
    expect(await member('U0ERIN')).toBeUndefined();
    expect(broadcastsOf('U0BOB').filter((c) => String(c.args.text).includes('TIL 2월 3주차'))).toHaveLength(
      1,
    );
  });

  it('exclude and include a reply by its permalink: it stops counting, then counts again, announced once', async () => {
    for (const user of ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE'])
      await replyIn('2027-02-W4', user, '2027-02-23T10:00:00+09:00');
    const dave = replies.get('2027-02-W4:U0DAVE')!;
    const link = permalink(dave, threads.get('2027-02-W4')!);
    expect((await admin(`admin exclude <${link}>`)).text).toContain(`답글 ${dave}을 집계에서 뺐어요`);
    expect((await member('U0DAVE'))?.weeks).toEqual(['2027-02-W1', '2027-02-W3']);
    expect((await stats()).challengers.sort()).toEqual(['U0ALICE', 'U0BOB', 'U0CAROL']);
    expect((await admin(`admin include ${link}`)).text).toContain('다시 집계에 넣었어요');
    expect(await member('U0DAVE')).toMatchObject({
      weeks: ['2027-02-W1', '2027-02-W3', '2027-02-W4'],
      challenger: true,
    });
    expect(broadcastsOf('U0DAVE').filter((c) => String(c.args.text).includes('TIL 2월 4주차'))).toHaveLength(
      1,
    );
    // Excluded for good: the award must not count it.
    expect((await admin(`admin exclude ${link}`)).text).toContain('집계에서 뺐어요');
    expect((await admin(`admin exclude ${link}`)).text).toContain('이미 그렇게 되어 있어');
  });

  it('award preview says what the award then posts, over the rules (skipped week not required)', async () => {
    const preview = await admin('admin award preview 2027-02');
    console.log(`award preview, ko:\n${preview.text}`);
    expect(preview.now).toBe(true);
    expect(preview.text).toContain('게시된 3주 모두 참여, 3명');
    for (const user of ['U0ALICE', 'U0BOB', 'U0CAROL']) expect(preview.text).toContain(`<@${user}>`);
    expect(preview.text).not.toContain('<@U0DAVE>');
    const report = await tickAt('2027-03-01T09:00:00+09:00');
    expect(report).toMatchObject({ monthlyAward: 'posted', awardMonth: '2027-02' });
    const award = slack.messagesIn(CHANNEL).find((m) => String(m.text).startsWith('*2월 TIL 챌린지 결과*'));
    expect(preview.text).toContain(String(award?.text).split('\n').join('\n'));
  });

  it('log lists every admin action, newest first, with who, when, what, before and after', async () => {
    const log = await admin('admin log');
    console.log(`admin log, ko:\n${log.text}`);
    const lines = log.text.split('\n').slice(1);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(
      /^• \d{4}-\d\d-\d\d \d\d:\d\d <@U0ADMIN> `exclude \d+\.\d+` \(변경 없음\): \{"excluded":true\} → \{"excluded":true\}$/,
    );
    expect(lines.at(-1)).toContain('`skip 2027-02-W2`: {"skipped":false} → {"skipped":true}');
    expect(log.text).toContain(
      '`extend 2027-02-W3 2027-02-22 12:00`: {"skipped":false} → {"skipped":false,"deadline":"2027-02-22T12:00:59.999+09:00"}',
    );
  });
});

describe('/til admin deadletters through the local server', () => {
  let slack: FakeSlack;
  let dataDir: TempDir;
  let server: LocalServer;
  const clock = Date.parse('2027-04-06T09:00:00+09:00');
  let threadTs = '';

  beforeAll(async () => {
    slack = await startFakeSlack({ now: () => clock });
    dataDir = await makeTempDir('til-admin-deadletters-e2e');
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-admin-e2e',
      SLACK_API_URL: slack.url,
      DATA_DIR: dataDir.path,
      ADMIN_USER_IDS: ADMIN,
    };
    // A week posted, then an event that failed every delivery while the app was broken: a dead letter in the journal.
    server = await startLocalServer(env);
    await tick(server, '2027-04-05T09:00:00+09:00');
    await waitUntilIdle(server);
    threadTs = (await getJson<MonthStats>(server, '/api/stats?month=2027-04')).body.weeks[0]!.threadTs;
    await server.stop();
    const queue = await openEmbeddedQueue(join(dataDir.path, 'queue'), {
      ...defaultQueueOptions,
      retryDelayMs: 5,
    });
    queue.start(
      async () => {
        throw new Error('the app was broken then');
      },
      async () => {},
    );
    const event = reply({
      user: 'U0ALICE',
      ts: tsAt('2027-04-06T10:00:00+09:00'),
      threadTs,
      text: LINK('alice', 1),
      eventId: 'EvLost1',
    });
    await queue.send({
      messageId: 'EvLost1',
      sessionId: '2027-04',
      body: { eventId: 'EvLost1', event: event.event },
    });
    await queue.idle();
    await queue.close();
    server = await startLocalServer(env);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await slack?.close();
    await dataDir?.remove();
  });

  it('lists the dead letter, replays it through the queue, and the event is applied once', async () => {
    const listed = await slashTil(server, slack, ADMIN, 'admin deadletters');
    expect(listed.text).toMatch(/보관 중인 dead letter 1건[\s\S]*`EvLost1`/);
    expect((await slashTil(server, slack, 'U0BOB', 'admin deadletters replay all')).text).toContain(
      '관리자만',
    );
    const replayed = await slashTil(server, slack, ADMIN, 'admin deadletters replay EvLost1');
    expect(replayed.text).toBe('🔁 `EvLost1`을(를) `replay:1:EvLost1`로 큐에 다시 넣었어요.');
    await waitUntilIdle(server);
    const month = (await getJson<MonthStats>(server, '/api/stats?month=2027-04')).body;
    expect(month.members.map((m) => [m.userId, m.submissions])).toEqual([['U0ALICE', 1]]);
    const broadcasts = slack.calls.filter(
      (c) => c.ok && c.method === 'chat.postMessage' && String(c.args.text).startsWith('<@U0ALICE>님이'),
    );
    expect(broadcasts).toHaveLength(1);
    expect((await slashTil(server, slack, ADMIN, 'admin deadletters replay EvLost1')).text).toBe(
      '`EvLost1`라는 dead letter는 없어요.',
    );
    expect((await slashTil(server, slack, ADMIN, 'admin deadletters')).text).toBe(
      '📭 보관 중인 dead letter가 없어요.',
    );
    expect((await slashTil(server, slack, ADMIN, 'admin log')).text).toContain(
      '`deadletters replay EvLost1`',
    );
  });
});
