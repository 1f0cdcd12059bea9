import { mkdirSync, writeFileSync } from 'node:fs';
import type { KnownBlock } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonthStats } from '../../functions/app/monthStats.js';
import { weekOfInstant, weeksOfMonth } from '../../functions/domain/calendar.js';
import type { Week } from '../../functions/domain/types.js';
import { MAX_BODY_BYTES } from '../../functions/handlers/readBody.js';
import { type FakeSlack, type SlackCall, startFakeSlack } from '../support/fakeSlack.js';
import {
  getJson,
  type LocalServer,
  postOversizedSlackForm,
  postSlackEvent,
  postSlackForm,
  startLocalServer,
  tick,
  waitUntilIdle,
} from '../support/localServer.js';
import {
  appHomeOpened,
  homeButtonClick,
  reaction,
  reply,
  slashCommand,
  tsAt,
} from '../support/slackPayloads.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

/**
 * `/til`, App Home and its buttons end to end (SPEC 3.4, 4, 8): the real local server as a child process,
 * signed form posts and events over HTTP, the loopback fake Slack for views.publish and response_url. A pass is
 * for the week of the real clock (the edge's instant), so the month played here is the current one: every week
 * of it that has begun is posted (POST_TIME 00:00), with replies and 👍 in each.
 */
const ZONE = 'Asia/Seoul';
const NOW = Date.now();
const WEEK = weekOfInstant(NOW, ZONE);
const MONTH = WEEK.month;
const POSTED: Week[] = weeksOfMonth(MONTH, ZONE).filter((w) => w.startMs <= NOW);
const [ALICE, BOB, CAROL, DAVE] = ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE'];
const COMMANDS = '/api/slack/commands';
const INTERACTIONS = '/api/slack/interactions';

const sectionTexts = (blocks: KnownBlock[]) =>
  blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
const published = (slack: FakeSlack, user: string) =>
  slack.calls.filter((c) => c.ok && c.method === 'views.publish' && c.args.user_id === user);
const answersAt = (slack: FakeSlack, id: string) =>
  slack.calls.filter((c) => c.method === 'response_url' && String(c.args.url).includes(`/${id}/`));
const blocksOf = (call: SlackCall) => (call.args.view as { blocks: KnownBlock[] }).blocks;

describe('members’ Slack surfaces through the local server', () => {
  let slack: FakeSlack;
  let dataDir: TempDir;
  let server: LocalServer;
  let clock = NOW;
  let micros = 0;
  const captured: Record<string, unknown> = {};

  const stats = async () => (await getJson<MonthStats>(server, `/api/stats?month=${MONTH}`)).body;
  const command = (user: string, text: string, id: string, triggerId?: string) =>
    postSlackForm(
      server,
      COMMANDS,
      slashCommand({ user, text, responseUrl: slack.responseUrl(id), triggerId }),
    );

  /** A ts inside `week`, `hours` after its start, never later than now. */
  const tsIn = (week: Week, hours: number) =>
    tsAt(new Date(Math.min(week.startMs + hours * 3_600_000, NOW - 60_000)).toISOString(), ++micros);

  beforeAll(async () => {
    slack = await startFakeSlack({ now: () => clock });
    dataDir = await makeTempDir('til-surfaces-e2e');
    server = await startLocalServer({
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_API_URL: slack.url,
      DATA_DIR: dataDir.path,
      POST_TIME: '00:00',
      PASSES_PER_MONTH: '2',
      REMINDER_AT: 'SUN 18:00',
      DASHBOARD_URL: 'https://til.example.org/',
      ADMIN_USER_IDS: 'U0ADMIN',
    });
    for (const week of POSTED) {
      clock = Math.min(week.startMs + 60_000, NOW);
      await tick(server, new Date(clock).toISOString());
      await waitUntilIdle(server);
    }
    clock = NOW;
    const weeks = (await stats()).weeks;
    expect(weeks.map((w) => w.key)).toEqual(POSTED.map((w) => w.key));
    for (const [index, week] of weeks.entries()) {
      const post = async (user: string, hours: number, text: string) => {
        const ts = tsIn(POSTED[index]!, hours);
        expect(
          (await postSlackEvent(server, reply({ user, ts, threadTs: week.threadTs, text }))).status,
        ).toBe(200);
        return ts;
      };
      const alice = await post(ALICE, 1, `TIL <https://velog.io/@alice/til-${index}|글>`);
      const like = (user: string, itemTs: string, itemUser: string) =>
        postSlackEvent(server, reaction({ user, itemTs, itemUser, eventTs: tsIn(POSTED[index]!, 2) }));
      await like(BOB, alice, ALICE);
      await like(CAROL, alice, ALICE);
      if (index === 0) {
        const bob = await post(BOB, 1.5, 'https://bob.github.io/til/first');
        await like(ALICE, bob, BOB);
      }
      if (index === weeks.length - 1) await post(CAROL, 1.2, '<https://blog.naver.com/carol/1>');
    }
    await waitUntilIdle(server);
  }, 120_000);

  afterAll(async () => {
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/member-surfaces-ko.json', `${JSON.stringify(captured, null, 2)}\n`);
    console.log(
      `member surfaces (Korean), also in test-results/member-surfaces-ko.json:\n${JSON.stringify(captured, null, 2)}`,
    );
    await server?.stop();
    await slack?.close();
    await dataDir?.remove();
  });

  it('follows SPEC 4’s table on both routes: 401 unsigned or stale, 413 over 1 MiB, 400 malformed', async () => {
    const fields = slashCommand({ user: DAVE, text: 'pass', responseUrl: slack.responseUrl('bad-input') });
    const click = { payload: JSON.stringify(homeButtonClick({ user: DAVE, actionId: 'til_pass' })) };
    for (const [path, body] of [
      [COMMANDS, fields],
      [INTERACTIONS, click],
    ] as const) {
      const statuses = [
        (await postSlackForm(server, path, body, { secret: 'not-the-secret' })).status,
        (await postSlackForm(server, path, body, { timestampSec: Math.floor(NOW / 1000) - 600 })).status,
        await postOversizedSlackForm(server, path, MAX_BODY_BYTES + 1),
        (await postSlackForm(server, path, { user_id: DAVE, payload: '{"type":' })).status,
      ];
      expect(statuses, path).toEqual([401, 401, 413, 400]);
    }
    await waitUntilIdle(server);
    expect(answersAt(slack, 'bad-input')).toEqual([]);
    expect((await stats()).members.find((m) => m.userId === DAVE)).toBeUndefined();
  });

  it('`/til pass` is applied once however often Slack sends it, and answered through response_url', async () => {
    const first = await command(DAVE, 'pass', 'dave-pass', '9001.1.davepass');
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('');
    // Slack's retry of the same command (same trigger_id): the queue drops it.
    expect((await command(DAVE, 'pass', 'dave-pass', '9001.1.davepass')).status).toBe(200);
    await waitUntilIdle(server);
    const answers = answersAt(slack, 'dave-pass');
    expect(answers).toHaveLength(1);
    expect(answers[0]?.args).toMatchObject({ response_type: 'ephemeral' });
    expect(String(answers[0]?.args.text)).toContain(`${WEEK.label} 패스를 기록했어요`);
    captured['/til pass'] = answers[0]?.args.text;
    expect((await stats()).members.find((m) => m.userId === DAVE)?.passes).toEqual([WEEK.key]);

    // A second, separate `/til pass` in the same week is answered that it is already done.
    await command(DAVE, 'pass', 'dave-pass-again');
    await waitUntilIdle(server);
    expect(String(answersAt(slack, 'dave-pass-again')[0]?.args.text)).toContain('이미');
  });

  it('`/til status` and `/til help` answer at once; an unknown subcommand gets help', async () => {
    const status = await command(ALICE, 'status', 'alice-status');
    expect(status.status).toBe(200);
    const statusText = ((await status.json()) as { text: string }).text;
    const me = (await stats()).members.find((m) => m.userId === ALICE)!;
    expect(statusText).toContain(WEEK.label);
    expect(statusText).toContain(`👍 ${me.likes}개`);
    captured['/til status'] = statusText;

    const help = ((await (await command(ALICE, 'help', 'alice-help')).json()) as { text: string }).text;
    expect(help).toContain('`/til pass undo`');
    captured['/til help'] = help;

    const unknown = ((await (await command(ALICE, 'hello', 'alice-hello')).json()) as { text: string }).text;
    expect(unknown).toContain('알 수 없는 명령이에요');
    expect(unknown).toContain(help);
    expect(answersAt(slack, 'alice-status')).toEqual([]);
  });

  it('App Home shows the figures the stats API has for the member', async () => {
    const eventTs = tsAt(new Date(NOW).toISOString(), 500);
    expect((await postSlackEvent(server, appHomeOpened({ user: ALICE, eventTs }))).status).toBe(200);
    const call = await slack.waitFor((c) => c.ok && c.method === 'views.publish' && c.args.user_id === ALICE);
    const blocks = blocksOf(call);
    captured['App Home blocks (U0ALICE)'] = blocks;
    const text = sectionTexts(blocks).join('\n');
    const month = await stats();
    const me = month.members.find((m) => m.userId === ALICE)!;
    expect(me.weeks).toHaveLength(POSTED.length);
    expect(text).toContain(`이번 달 받은 좋아요 *${me.likes}개*`);
    expect(text.match(/✅ 참여 — /g)).toHaveLength(me.weeks.length);
    expect(text).toContain('✅ 이번 주 제출 완료');
    // This week's post, liked by Bob and Carol.
    expect(text).toMatch(/✅ 이번 주 제출 완료: .* · 👍 2/);
    // The top five as the stats rank them.
    const top = [...month.members]
      .sort((a, b) => b.likes - a.likes)
      .filter((m) => m.likes > 0)
      .slice(0, 5);
    const topLines = [...text.matchAll(/^(\d)\. <@(U\w+)> · 👍 (\d+)$/gm)].map((m) => [m[2], Number(m[3])]);
    expect(topLines).toEqual(top.map((m) => [m.userId, m.likes]));
    const actionIds = blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.action_id) : []));
    expect(actionIds).toEqual(
      expect.arrayContaining(['til_open_thread', 'til_remind_off', 'til_open_dashboard']),
    );
  });

  it('two openings within a second publish once; a later one publishes again', async () => {
    const at = (ms: number, n: number) => tsAt(new Date(ms).toISOString(), n);
    await postSlackEvent(server, appHomeOpened({ user: BOB, eventTs: at(NOW - 10_000, 1) }));
    await postSlackEvent(server, appHomeOpened({ user: BOB, eventTs: at(NOW - 9_500, 2) }));
    await waitUntilIdle(server);
    expect(published(slack, BOB)).toHaveLength(1);
    await postSlackEvent(server, appHomeOpened({ user: BOB, eventTs: at(NOW - 5_000, 3) }));
    await waitUntilIdle(server);
    expect(published(slack, BOB)).toHaveLength(2);
    // The Messages tab has no view.
    await postSlackEvent(server, appHomeOpened({ user: BOB, eventTs: at(NOW, 4), tab: 'messages' }));
    await waitUntilIdle(server);
    expect(published(slack, BOB)).toHaveLength(2);
  });

  it('a Home button applies the action and re-publishes the Home with the answer', async () => {
    const before = published(slack, DAVE).length;
    const click = { payload: JSON.stringify(homeButtonClick({ user: DAVE, actionId: 'til_pass_undo' })) };
    expect((await postSlackForm(server, INTERACTIONS, click)).status).toBe(200);
    await waitUntilIdle(server);
    const calls = published(slack, DAVE);
    expect(calls).toHaveLength(before + 1);
    const blocks = blocksOf(calls.at(-1)!);
    expect(sectionTexts(blocks)[0]).toContain(`${WEEK.label} 패스를 취소했어요`);
    expect((await stats()).members.find((m) => m.userId === DAVE)?.passes ?? []).toEqual([]);
    // Passes are on and the week is open again for Dave: the Home offers the pass.
    expect(blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.action_id) : []))).toContain(
      'til_pass',
    );
  });
});
