/**
 * Re-sync through the real local server (a child process: HTTP ingress, embedded queue, file store, scheduler
 * tick), against fake Slack keeping the thread's state: events dropped during a burst never reach the server, and
 * the award's re-sync of the month repairs them before the award decides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import {
  getJson,
  type LocalServer,
  postSlackEvent,
  startLocalServer,
  tick,
  waitUntilIdle,
} from '../support/localServer.js';
import { deletion, edit, reaction, reply, tsAt } from '../support/slackPayloads.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const ADMIN = 'U0ADMIN1';
type Stats = {
  weeks: { threadTs: string; participants: number; likes: number }[];
  members: { userId: string; weeks: string[] }[];
};

describe('re-sync through the local server', () => {
  let slack: FakeSlack;
  let dataDir: TempDir;
  let server: LocalServer;
  let threadTs: string;
  let clock = Date.parse('2026-11-23T09:00:00+09:00');

  /** It happened in Slack; `dropped` events never reach the server. */
  async function happen(body: { event: Record<string, unknown> }, dropped = false) {
    slack.applyEvent(body);
    if (!dropped) expect((await postSlackEvent(server, body)).status).toBe(200);
  }
  const stats = async () => (await getJson<Stats>(server, '/api/stats?month=2026-11')).body;
  const weeksOf = async (user: string) => (await stats()).members.find((m) => m.userId === user)?.weeks ?? [];

  beforeAll(async () => {
    slack = await startFakeSlack({ now: () => clock });
    dataDir = await makeTempDir('til-resync-e2e');
    server = await startLocalServer({
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_API_URL: slack.url,
      DATA_DIR: dataDir.path,
      ADMIN_USER_IDS: ADMIN,
    });
    await tick(server, new Date(clock).toISOString());
    threadTs = (await stats()).weeks[0]?.threadTs ?? '';
    expect(threadTs).toMatch(/^\d+\.\d+$/);
    clock = Date.parse('2026-11-25T00:00:00+09:00');
  });

  afterAll(async () => {
    await server?.stop();
    await slack?.close();
    await dataDir?.remove();
  });

  it('repairs a burst of dropped events before the award decides, and reports it once', async () => {
    const at = (micros: number) => tsAt('2026-11-24T21:00:00+09:00', micros);
    const link = (user: string) => `TIL <https://velog.io/@${user}/1>`;
    await happen(reply({ user: 'U0ALICE', ts: at(1), threadTs, text: link('alice') }));
    await happen(reply({ user: 'U0BOB', ts: at(2), threadTs, text: link('bob') }), true);
    await happen(reply({ user: 'U0CAROL', ts: at(3), threadTs, text: '정리 중' }));
    await happen(reply({ user: 'U0DAVE', ts: at(4), threadTs, text: link('dave') }));
    await happen(edit({ user: 'U0CAROL', ts: at(3), threadTs, text: link('carol'), editedTs: at(10) }), true);
    await happen(deletion({ ts: at(4), threadTs, eventTs: at(11) }), true);
    await happen(reaction({ user: 'U0ERIN', itemTs: at(1), itemUser: 'U0ALICE', eventTs: at(12) }), true);
    await waitUntilIdle(server);
    expect((await stats()).weeks[0]).toMatchObject({ participants: 2, likes: 0 }); // Alice, Dave

    // December's first Monday: the award re-reads November's threads first and waits for the repairs.
    clock = Date.parse('2026-12-07T09:00:00+09:00');
    const first = await tick(server, new Date(clock).toISOString());
    expect(first).toMatchObject({ weeklyPost: 'posted', monthlyAward: 'waiting-for-resync' });
    await waitUntilIdle(server);
    expect((await stats()).weeks[0]).toMatchObject({ participants: 3, likes: 1 }); // Alice, Bob, Carol
    expect(await weeksOf('U0DAVE')).toEqual([]);

    const second = await tick(server, new Date(clock + 5 * 60_000).toISOString());
    expect(second).toMatchObject({ monthlyAward: 'posted' });
    const award = slack.calls.find(
      (c) =>
        c.ok && c.method === 'chat.postMessage' && String(c.args.text).startsWith('*11월 TIL 챌린지 결과*'),
    );
    for (const user of ['U0ALICE', 'U0BOB', 'U0CAROL'])
      expect(String(award?.args.text)).toContain(`<@${user}>`);
    expect(String(award?.args.text)).not.toContain('<@U0DAVE>');
    const reports = slack.calls.filter(
      (c) =>
        c.ok &&
        c.method === 'chat.postMessage' &&
        c.args.channel === `D${ADMIN}` &&
        String(c.args.text).startsWith('🔄'),
    );
    expect(reports.map((c) => c.args.text)).toEqual([
      '🔄 [TIL 봇] Slack 스레드를 다시 읽어, 전달되지 않은 이벤트를 바로잡았습니다:\n' +
        '• TIL 11월 4주차: 답글 1개, 수정 1건, 삭제 1건, 👍 추가 1개',
    ]);
  });
});
