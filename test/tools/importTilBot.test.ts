/**
 * The original bot's 2024 data imported into a file store, read back through the stats the dashboard shows, and
 * compared with figures computed here from the raw JSON (tilBotFixture.ts).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDryRunSlack } from '../../functions/adapters/slack/dryRunSlack.js';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { Store } from '../../functions/adapters/store/store.js';
import { type SubmissionDoc, submissionDocId } from '../../functions/app/documents.js';
import { consoleLogger } from '../../functions/app/logger.js';
import { createMemberDirectory } from '../../functions/app/memberDirectory.js';
import { listMonths, loadMonthStats, type MonthStats } from '../../functions/app/monthStats.js';
import { createThreadLinks } from '../../functions/app/threadLinks.js';
import { type AppConfig, loadConfig } from '../../functions/config.js';
import {
  createAbsentDocuments,
  IMPORT_MARKER,
  type ImportPlan,
  parseTilBotExport,
  placeholderBlogUrl,
  TilBotDataError,
  tilBotDocuments,
  type WriteReport,
} from '../../functions/tools/importTilBot.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import { monthFigures, rawExport, tilTimestampJson, userInfoJson } from './tilBotFixture.js';

const CHANNEL = 'C0TIL2024';
const MONTHS = ['2024-07', '2024-08', '2024-09', '2024-10', '2024-11'];

const configWith = (countSelfLikes: boolean): AppConfig =>
  loadConfig({
    TIL_CHANNEL_ID: CHANNEL,
    SLACK_SIGNING_SECRET: 'import-test-secret',
    COUNT_SELF_LIKES: String(countSelfLikes),
  });
// The original bot counted a member's 👍 on their own post.
const asTheOriginal = configWith(true);

function planFor(config: AppConfig, files = { tilTimestamp: tilTimestampJson(), userInfo: userInfoJson() }) {
  return tilBotDocuments(parseTilBotExport(files, config.rules.timeZone), {
    channel: config.channelId,
    rules: config.rules,
  });
}

/** The problems parseTilBotExport reports, or [] when it accepts the files. */
function problemsOf(tilTimestamp: unknown, userInfo: unknown): string[] {
  try {
    parseTilBotExport({ tilTimestamp, userInfo }, 'Asia/Seoul');
    return [];
  } catch (error) {
    if (error instanceof TilBotDataError) return error.problems;
    throw error;
  }
}

let dir: TempDir;
let store: Store;
let plan: ImportPlan;
let firstImport: WriteReport;

const statsOf = (month: string, config = asTheOriginal): Promise<MonthStats> => {
  const slack = createDryRunSlack(() => {});
  return loadMonthStats(
    {
      store,
      config,
      members: createMemberDirectory({ store, slack, channel: CHANNEL, now: Date.now }),
      threadLinks: createThreadLinks({ store, slack, config, log: consoleLogger('error') }),
    },
    month,
  );
};

beforeAll(async () => {
  dir = await makeTempDir('import-til-bot');
  store = await openFileStore(dir.path);
  plan = planFor(asTheOriginal);
  firstImport = await createAbsentDocuments(store, plan.documents);
});

afterAll(async () => {
  await store?.close();
  await dir?.remove();
});

describe('the 2024 fixture, read directly', () => {
  it('holds what its README says', () => {
    const { weekOfThread, members, replies } = rawExport();
    const likes = replies.flatMap((r) => r.likers.map((liker) => ({ liker, author: r.author })));
    expect(members).toHaveLength(28);
    expect(weekOfThread.size).toBe(19);
    expect(replies).toHaveLength(107);
    expect(replies.filter((r) => !r.hasLink)).toHaveLength(2);
    expect(likes).toHaveLength(807);
    expect(likes.filter((l) => l.liker === l.author)).toHaveLength(73);
  });

  it('has two linked replies posted after their week ended, which our deadline rule does not count', () => {
    const late = rawExport().replies.filter((r) => r.hasLink && !r.counted);
    expect(late.map((r) => [r.author, r.threadTs, r.replyTs])).toEqual([
      // TIL 8월 3주차 answered on Sunday 1 September, a week late.
      ['U000000015', '1724027410.501529', '1725202516.524189'],
      // TIL 9월 2주차 answered at 01:01 on Monday 16 September, an hour late.
      ['U000000015', '1725841808.332029', '1726416084.317749'],
    ]);
  });
});

describe('importing the 2024 fixture', () => {
  it('writes every thread, week, reply and member once', () => {
    expect(plan.counts).toEqual({
      threads: 19,
      weeks: 19,
      replies: 107,
      submissions: 105,
      late: 2,
      likes: 807,
      members: 28,
    });
    expect(firstImport).toEqual({ created: 19 + 19 + 107 + 28, unchanged: 0, kept: [] });
  });

  it('lists the imported months newest first', async () => {
    expect(await listMonths(store, CHANNEL)).toEqual([...MONTHS].reverse());
  });

  it.each(MONTHS)('%s: the posted weeks with their labels and threads', async (month) => {
    const stats = await statsOf(month);
    const expected = monthFigures(month, true).weeks;
    expect(stats.weeks.map((w) => ({ key: w.key, label: w.label, threadTs: w.threadTs }))).toEqual(
      expected.map((w) => ({ key: w.key, label: w.label, threadTs: w.threadTs })),
    );
    expect(stats.weeks.map((w) => Date.parse(w.deadline))).toEqual(expected.map((w) => w.deadlineMs));
  });

  it('gives July weeks 4 and 5 and September five weeks', async () => {
    expect((await statsOf('2024-07')).weeks.map((w) => w.key)).toEqual(['2024-07-W4', '2024-07-W5']);
    expect((await statsOf('2024-09')).weeks.map((w) => w.label)).toEqual([
      'TIL 9월 1주차',
      'TIL 9월 2주차',
      'TIL 9월 3주차',
      'TIL 9월 4주차',
      'TIL 9월 5주차',
    ]);
  });

  it.each(MONTHS)('%s: participants and likes per week, self-likes counted', async (month) => {
    const stats = await statsOf(month);
    expect(stats.weeks.map((w) => [w.key, w.participants, w.likes])).toEqual(
      monthFigures(month, true).weeks.map((w) => [w.key, w.participants, w.likes]),
    );
  });

  it.each(MONTHS)('%s: weeks, submissions and likes per member', async (month) => {
    const stats = await statsOf(month);
    const expected = monthFigures(month, true).members;
    expect(
      new Map(
        stats.members.map((m) => [m.userId, { weeks: m.weeks, submissions: m.submissions, likes: m.likes }]),
      ),
    ).toEqual(expected);
  });

  it.each(MONTHS)(
    '%s: challengers took part every week; special challengers have the most likes',
    async (month) => {
      const stats = await statsOf(month);
      const expected = monthFigures(month, true);
      expect([...stats.challengers].sort()).toEqual(expected.challengers);
      expect([...stats.specialChallengers].sort()).toEqual(expected.specialChallengers);
      expect(
        stats.members
          .filter((m) => m.challenger)
          .map((m) => m.userId)
          .sort(),
      ).toEqual(expected.challengers);
    },
  );

  it('names members as Slack does, without the honorific the original appended', async () => {
    const stats = await statsOf('2024-11');
    expect(stats.members.map((m) => m.name).sort()).toEqual(['멤버05', '멤버20']);
  });

  it('stores all 107 replies; 105 have a link and the 103 on time count, with 800 likes', async () => {
    const perMonth = await Promise.all(MONTHS.map((month) => statsOf(month)));
    const replies = await store.query<SubmissionDoc>({ type: 'submission', where: { channel: CHANNEL } });
    expect(replies).toHaveLength(107);
    expect(replies.filter(({ doc }) => doc.state.links.length > 0)).toHaveLength(105);
    const members = perMonth.flatMap((stats) => stats.members);
    expect(members.reduce((sum, m) => sum + m.submissions, 0)).toBe(103);
    expect(members.reduce((sum, m) => sum + m.likes, 0)).toBe(800);
    expect(perMonth.flatMap((s) => s.weeks).reduce((sum, w) => sum + w.likes, 0)).toBe(800);
  });

  it('without COUNT_SELF_LIKES the likes drop by exactly the self-likes on counted replies', async () => {
    const selfLikesCounted = rawExport()
      .replies.filter((r) => r.counted)
      .reduce((sum, r) => sum + (r.likers.includes(r.author) ? 1 : 0), 0);
    const totalOf = async (config: AppConfig) => {
      const perMonth = await Promise.all(MONTHS.map((month) => statsOf(month, config)));
      return perMonth.flatMap((s) => s.members).reduce((sum, m) => sum + m.likes, 0);
    };
    expect(selfLikesCounted).toBe(73);
    expect((await totalOf(asTheOriginal)) - (await totalOf(configWith(false)))).toBe(selfLikesCounted);
    for (const month of MONTHS) {
      const stats = await statsOf(month, configWith(false));
      expect(stats.weeks.map((w) => w.likes)).toEqual(monthFigures(month, false).weeks.map((w) => w.likes));
      expect([...stats.specialChallengers].sort()).toEqual(monthFigures(month, false).specialChallengers);
    }
  });

  it('marks each reply as imported, a linked one with a placeholder on an accepted host', async () => {
    const linked = await store.read<SubmissionDoc>(
      `${CHANNEL}:2024-11`,
      submissionDocId('1730691653.779869'),
    );
    const unlinked = await store.read<SubmissionDoc>(
      `${CHANNEL}:2024-08`,
      submissionDocId('1723437007.329409'),
    );
    expect(linked?.doc.state.content?.text).toBe(`${IMPORT_MARKER} <https://velog.io/til-bot-2024-import>`);
    expect(linked?.doc.state.links).toEqual(['https://velog.io/til-bot-2024-import']);
    expect(unlinked?.doc.state.content?.text).toBe(IMPORT_MARKER);
    expect(unlinked?.doc.state.links).toEqual([]);
  });

  it('announces nothing: every outbox is empty and no broadcast or award is claimed', async () => {
    const replies = await store.query<SubmissionDoc>({ type: 'submission' });
    expect(replies.filter(({ doc }) => doc.outbox.length > 0)).toEqual([]);
    // Stored like the live app's replies: thread and week copied out of the state for queries.
    expect(replies.filter(({ doc }) => doc.threadTs !== doc.state.threadTs || !doc.threadTs)).toEqual([]);
    expect(await store.query({ type: 'participation' })).toEqual([]);
    expect(await store.query({ type: 'award' })).toEqual([]);
  });

  it('imported twice, creates nothing the second time', async () => {
    expect(await createAbsentDocuments(store, planFor(asTheOriginal).documents)).toEqual({
      created: 0,
      unchanged: 173,
      kept: [],
    });
  });

  it('reports a document that is already there and different, and keeps it', async () => {
    const other = await makeTempDir('import-til-bot-conflict');
    const otherStore = await openFileStore(other.path);
    try {
      const id = submissionDocId('1730691653.779869');
      const imported = plan.documents.find((doc) => doc.id === id)!;
      await otherStore.create({ ...imported, author: 'U0SOMEONE' });
      const report = await createAbsentDocuments(otherStore, plan.documents);
      expect(report).toEqual({
        created: 172,
        unchanged: 0,
        kept: [{ type: 'submission', pk: `${CHANNEL}:2024-11`, id }],
      });
      expect((await otherStore.read<SubmissionDoc>(`${CHANNEL}:2024-11`, id))?.doc.author).toBe('U0SOMEONE');
    } finally {
      await otherStore.close();
      await other.remove();
    }
  });

  it("agrees with the original's reaction_count except for two members whose difference the data explains", async () => {
    const perMonth = await Promise.all(MONTHS.map((month) => statsOf(month)));
    const ours = new Map<string, number>();
    for (const m of perMonth.flatMap((s) => s.members))
      ours.set(m.userId, (ours.get(m.userId) ?? 0) + m.likes);
    const { members, replies } = rawExport();
    const differing = members
      .filter(([id, member]) => (ours.get(id) ?? 0) !== member.reaction_count)
      .map(([id, member]) => [id, member.reaction_count, ours.get(id) ?? 0]);
    expect(differing).toEqual([
      // The original decremented its count on a 👍 removed from a reply without a link, which it never counted.
      ['U000000010', -1, 0],
      // 7 likes on the reply whose likers were not kept, and 2 on the late reply to TIL 9월 2주차.
      ['U000000015', 21, 12],
    ]);
    const u15 = replies.filter((r) => r.author === 'U000000015');
    expect(u15.filter((r) => r.likers.length === 0 && r.total > 0).map((r) => r.total)).toEqual([7]);
    expect(u15.filter((r) => r.hasLink && !r.counted).map((r) => r.likers.length)).toEqual([0, 2]);
  });

  it('notes the reply whose has_link holds user ids instead of true, and imports it as linked without likes', () => {
    const data = parseTilBotExport(
      { tilTimestamp: tilTimestampJson(), userInfo: userInfoJson() },
      'Asia/Seoul',
    );
    expect(data.notes).toEqual([
      expect.stringMatching(
        /^user_info\.json \$\.U000000015\.join_week\["1721629662\.494939"\]\["1722174991\.640519"\]\.has_link: a map of 7 user ids/,
      ),
      expect.stringMatching(/\["1722174991\.640519"\]: no "like"/),
    ]);
    expect(data.replies.find((r) => r.replyTs === '1722174991.640519')).toMatchObject({
      hasLink: true,
      likers: [],
    });
  });

  it('puts the placeholder on the first accepted host, a wildcard host filled in', () => {
    expect(placeholderBlogUrl(['blog.naver.com', 'velog.io'])).toBe(
      'https://blog.naver.com/til-bot-2024-import',
    );
    expect(placeholderBlogUrl(['*.github.io'])).toBe('https://til-bot-import.github.io/til-bot-2024-import');
    const githubOnly = loadConfig({
      TIL_CHANNEL_ID: CHANNEL,
      SLACK_SIGNING_SECRET: 'import-test-secret',
      ALLOWED_BLOG_HOSTS: '*.github.io',
    });
    const submissions = planFor(githubOnly).documents.filter((doc) => doc.type === 'submission');
    expect(submissions.filter((doc) => doc.state.links.length > 0)).toHaveLength(105);
  });
});

describe('malformed til-bot data', () => {
  it('lists every thread whose label is not the week our calendar gives its ts', () => {
    const timestamps = tilTimestampJson();
    const july = timestamps.timestamps['7'] as Record<string, string>;
    const october = timestamps.timestamps['10'] as Record<string, string>;
    july['1722213544.304319'] = 'TIL 7월 4주차';
    october['1728261010.102549'] = 'TIL 10월 2주차';
    expect(problemsOf(timestamps, userInfoJson())).toEqual([
      'til_timestamp.json $.timestamps["7"]["1722213544.304319"]: labelled "TIL 7월 4주차" under month 7, but the thread ' +
        'was posted 2024-07-29 09:39 (Asia/Seoul), in TIL 7월 5주차 (2024-07-W5)',
      'til_timestamp.json $.timestamps["10"]["1728261010.102549"]: labelled "TIL 10월 2주차" under month 10, but the ' +
        'thread was posted 2024-10-07 09:30 (Asia/Seoul), in TIL 10월 1주차 (2024-10-W1)',
    ]);
  });

  it('checks labels in the configured zone: west of UTC the Monday-morning posts fall in the week before', () => {
    expect(() =>
      parseTilBotExport(
        { tilTimestamp: tilTimestampJson(), userInfo: userInfoJson() },
        'America/Los_Angeles',
      ),
    ).toThrow(/labelled "TIL 9월 1주차" .* in TIL 8월 4주차 \(2024-08-W4\)/);
  });

  it('names the path of a reply key that is not a Slack ts', () => {
    const users = userInfoJson();
    const week = users.U000000001!.join_week['1723422610.378419']!;
    week.yesterday = week['1723437007.329409']!;
    expect(problemsOf(tilTimestampJson(), users)).toEqual([
      'user_info.json $.U000000001.join_week["1723422610.378419"].yesterday: key must be a Slack message ts such as 1723437007.329409',
    ]);
  });

  it('names the path of a join_week that is not an object', () => {
    const users = userInfoJson();
    (users.U000000002 as unknown as { join_week: unknown }).join_week = ['1721629662.494939'];
    expect(problemsOf(tilTimestampJson(), users)).toEqual([
      'user_info.json $.U000000002.join_week: Invalid input: expected record, received array',
    ]);
  });

  it('rejects a liker that is not a user id and a has_link that is neither true/false nor likers', () => {
    const users = userInfoJson();
    const reply = users.U000000005!.join_week['1721629662.494939']!;
    const [replyTs] = Object.keys(reply);
    reply[replyTs!] = { total: 1, has_link: 'yes' as unknown as boolean, like: { '멤버07 님': 1 } };
    expect(problemsOf(tilTimestampJson(), users)).toEqual([
      `user_info.json $.U000000005.join_week["1721629662.494939"]["${replyTs}"].has_link: must be true or false`,
      `user_info.json $.U000000005.join_week["1721629662.494939"]["${replyTs}"].like["멤버07 님"]: key must be a Slack user id such as U0123ABCD`,
    ]);
  });

  it('rejects files of an unknown shape, each problem named', () => {
    expect(problemsOf(tilTimestampJson(), [userInfoJson()])).toEqual([
      'user_info.json $: Invalid input: expected object, received array',
    ]);
    expect(problemsOf({ weeks: {} }, userInfoJson())).toEqual([
      'til_timestamp.json $.timestamps: Invalid input: expected object, received undefined',
      'til_timestamp.json $: unexpected keys "weeks"',
    ]);
    // The two files given the other way round.
    expect(problemsOf(userInfoJson(), tilTimestampJson())).toEqual([
      'til_timestamp.json $.timestamps: Invalid input: expected object, received undefined',
      'til_timestamp.json $: unexpected keys "U000000001", "U000000002", "U000000003" and 26 more',
      expect.stringMatching(/^user_info\.json \$\.timestamps\.name: Invalid input: expected string/),
      expect.stringMatching(/^user_info\.json \$\.timestamps\.reaction_count: /),
      expect.stringMatching(/^user_info\.json \$\.timestamps\.join_week: /),
      'user_info.json $.timestamps: is not a Slack user id (expected member id → member)',
    ]);
  });

  it('rejects a member count that disagrees with all_user, a month that is not one, and an unknown thread', () => {
    const users = userInfoJson();
    users.all_user = 27;
    users.U000000003!.join_week['1699999999.000001'] = {};
    const timestamps = tilTimestampJson();
    timestamps.timestamps['13'] = { first: 'TIL 13월 1주차' };
    expect(problemsOf(timestamps, users)).toEqual([
      'til_timestamp.json $.timestamps["13"].first: key must be a Slack message ts such as 1723437007.329409',
      'til_timestamp.json $.timestamps["13"]: is not a month number 1–12 (or this_month)',
      'user_info.json $.all_user: says 27 members but the file has 28',
    ]);
    delete timestamps.timestamps['13'];
    users.all_user = 28;
    expect(problemsOf(timestamps, users)).toEqual([
      'user_info.json $.U000000003.join_week["1699999999.000001"]: thread 1699999999.000001 is not a weekly thread of til_timestamp.json',
    ]);
  });
});
