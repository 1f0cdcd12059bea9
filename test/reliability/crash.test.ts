import { cp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postSlackEvent } from '../support/localServer.js';
import { reaction, reply, tsAt } from '../support/slackPayloads.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import { drained, pendingCount, postWeek, type Rig, startRig } from './support/rig.js';
import {
  differences,
  type Expected,
  memberTotals,
  pick,
  printFigures,
  scenarioSeed,
  secondsSince,
  seededRandom,
  shuffled,
} from './support/scenario.js';
import { type ServerProcess, tryStartServer } from './support/server.js';
import { readLedger, total } from './support/slackLedger.js';

/**
 * Crash: the server is killed with SIGKILL at five random points of a 2,000-event burst (requests in flight, the
 * queue holding work) and restarted each time, while the sender retries what got no 200, as Slack does. Every
 * event answered 200 must be applied, none twice, and no post or DM doubled. Then the queue's journal is damaged
 * on disk between a kill and a start, in each way docs/architecture.md and the journal describe: a torn tail is
 * cut and reported, damage to acknowledged records (a flipped byte, a file cut in half, a deleted file) refuses
 * the start naming the file and keeping a copy, and --accept-journal-loss starts anyway, saying what it kept.
 */
const SEED = scenarioSeed(9_2000_5);
const KILLS = 5;
const CONCURRENCY = 25;
const WEEKS = [
  {
    monday: '2026-10-26T09:00:00+09:00',
    replyAt: '2026-10-27T10:00:00+09:00',
    likeAt: '2026-10-28T12:00:00+09:00',
    month: '2026-10',
    key: '2026-10-W4',
  },
  {
    monday: '2026-11-23T09:00:00+09:00',
    replyAt: '2026-11-24T10:00:00+09:00',
    likeAt: '2026-11-25T12:00:00+09:00',
    month: '2026-11',
    key: '2026-11-W4',
  },
];
const MEMBERS_PER_WEEK = 100;
const LIKES_PER_WEEK = 900;

type Body = ReturnType<typeof reply> | ReturnType<typeof reaction>;

const rigs: Rig[] = [];
const dirs: TempDir[] = [];
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const server of servers) if (server.alive()) await server.kill9();
  for (const rig of rigs) await rig.close();
  for (const dir of dirs) await dir.remove();
});

describe('crash', () => {
  it('kill -9 at five random points of a 2,000-event burst: every 200 applied, none twice, nothing doubled', async () => {
    const random = seededRandom(SEED);
    let clock = Date.parse(WEEKS[0]!.monday);
    const rig = await startRig({ name: 'crash-burst', slackNow: () => clock, env: { LIKE_DM: 'each' } });
    rigs.push(rig);
    const threads: string[] = [];
    for (const week of WEEKS) {
      clock = Date.parse(week.monday);
      threads.push(await postWeek(rig.server, week.monday, week.month, week.key));
    }
    clock = Date.parse('2026-12-01T00:00:00+09:00');

    const expected = new Map<string, Expected>();
    const replies: Body[] = [];
    const likes: Body[] = [];
    WEEKS.forEach((week, w) => {
      const posted = Array.from({ length: MEMBERS_PER_WEEK }, (_, i) => ({
        user: `U0C${w}M${String(i).padStart(3, '0')}`,
        ts: tsAt(week.replyAt, i + 1),
      }));
      for (const { user, ts } of posted) {
        replies.push(
          reply({ user, ts, threadTs: threads[w]!, text: `<https://${user.toLowerCase()}.github.io/til>` }),
        );
        expected.set(user, { submissions: 1, likes: 0, weeks: [week.key] });
      }
      for (let i = 0; i < LIKES_PER_WEEK; i++) {
        const target = pick(posted, random);
        likes.push(
          reaction({
            user: `U0C${w}F${String(i).padStart(4, '0')}`,
            itemTs: target.ts,
            itemUser: target.user,
            eventTs: tsAt(week.likeAt, i + 1),
          }),
        );
        const e = expected.get(target.user)!;
        expected.set(target.user, { ...e, likes: e.likes + 1 });
      }
    });
    const events = [...shuffled(replies, random), ...shuffled(likes, random)];
    // Five kill points, as counts of acknowledged events, at least 150 apart, anywhere in the burst.
    const killAt: number[] = [];
    while (killAt.length < KILLS) {
      const at = 100 + Math.floor(random() * (events.length - 200));
      if (killAt.every((k) => Math.abs(k - at) >= 150)) killAt.push(at);
    }
    killAt.sort((a, b) => a - b);

    const acked = new Set<number>();
    const attempted = new Set<number>();
    const answers = new Map<string, number>();
    const kills: { at: number; inFlight: number; pendingAfterRestart: number; restartIn: string }[] = [];
    let inFlight = 0;
    const started = Date.now();
    /** Sends `indices` until each is answered 200, killing and restarting the server at the kill points. */
    const sendAll = async (indices: number[]) => {
      for (;;) {
        const todo = indices.filter((i) => !acked.has(i));
        if (todo.length === 0) return;
        let killing: Promise<void> | undefined;
        let next = 0;
        const sender = async () => {
          while (!killing && next < todo.length) {
            const i = todo[next++]!;
            // What got no answer is retried as Slack retries: same event_id, x-slack-retry-num set.
            const retryNum = attempted.has(i) ? 1 : 0;
            attempted.add(i);
            inFlight += 1;
            const res = await postSlackEvent(rig.server, events[i], { retryNum }).catch(() => undefined);
            inFlight -= 1;
            const key = res ? String(res.status) : 'no answer (killed)';
            answers.set(key, (answers.get(key) ?? 0) + 1);
            await res?.arrayBuffer().catch(() => undefined);
            if (res?.status === 200) acked.add(i);
            if (killAt.length > 0 && acked.size >= killAt[0]!) {
              const at = killAt.shift()!;
              killing ??= (async () => {
                const flying = inFlight;
                await rig.server.kill9();
                const restartStart = Date.now();
                await rig.restart();
                kills.push({
                  at,
                  inFlight: flying,
                  pendingAfterRestart: await pendingCount(rig.server),
                  restartIn: secondsSince(restartStart),
                });
              })();
            }
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, sender));
        await killing;
      }
    };
    // Replies first, every one acknowledged before any 👍 is sent (users reply before others react).
    await sendAll(events.map((_, i) => i).filter((i) => i < replies.length));
    await sendAll(events.map((_, i) => i).filter((i) => i >= replies.length));
    const sentIn = secondsSince(started);
    await drained(rig.server, 5 * 60_000);
    const processedIn = secondsSince(started);

    const actual = await memberTotals(
      rig.server,
      WEEKS.map((w) => w.month),
    );
    const ledger = readLedger(rig.slack.calls);
    const appliedLikes = [...actual.values()].reduce((sum, m) => sum + m.likes, 0);
    const appliedSubmissions = [...actual.values()].reduce((sum, m) => sum + m.submissions, 0);
    printFigures('crash: kill -9 during a 2,000-event burst', [
      ['seed', SEED],
      ['events', events.length],
      ['kills (acked at kill / in flight / pending after restart / restart took)', kills.length],
      ...kills.map((k, n): [string, string] => [
        `  kill ${n + 1}`,
        `${k.at} / ${k.inFlight} / ${k.pendingAfterRestart} / ${k.restartIn}`,
      ]),
      ['answers', [...answers].map(([status, n]) => `${status}: ${n}`).join(', ')],
      ['events answered 200', acked.size],
      ['submissions applied / sent', `${appliedSubmissions} / ${replies.length}`],
      ['likes applied / sent', `${appliedLikes} / ${likes.length}`],
      ['broadcasts / members', `${total(ledger.broadcasts)} / ${expected.size}`],
      ['like DMs / likes', `${total(ledger.likeDms)} / ${likes.length}`],
      ['doubled posts or DMs', ledger.doubled.length],
      ['weekly posts', total(ledger.weeklyPosts)],
      ['all sent (with restarts) in', sentIn],
      ['all processed in', processedIn],
    ]);

    expect(kills).toHaveLength(KILLS);
    expect(acked.size).toBe(events.length);
    expect(
      [...answers.keys()].filter((k) => k !== '200' && k !== 'no answer (killed)'),
      'only 200s, or no answer from a killed server',
    ).toEqual([]);
    expect(differences(expected, actual), 'every event answered 200 applied, none twice').toEqual([]);
    expect(ledger.doubled, 'no post or DM twice').toEqual([]);
    expect(total(ledger.broadcasts), 'each member announced once').toBe(expected.size);
    expect(total(ledger.likeDms), 'LIKE_DM=each: one DM per 👍').toBe(likes.length);
    expect(total(ledger.weeklyPosts)).toBe(WEEKS.length);
  });

  it('a damaged journal: a torn tail is cut and reported; real damage refuses the start, naming the file and keeping a copy', async () => {
    const week = WEEKS[1]!;
    let clock = Date.parse(week.monday);
    const rig = await startRig({ name: 'crash-journal', slackNow: () => clock, env: { LIKE_DM: 'each' } });
    rigs.push(rig);
    const threadTs = await postWeek(rig.server, week.monday, week.month, week.key);
    clock = Date.parse('2026-12-01T00:00:00+09:00');
    // 300 replies answered 200, then kill -9 at once: the journal holds acknowledged work not yet processed.
    const members = Array.from({ length: 300 }, (_, i) => `U0J${String(i).padStart(4, '0')}`);
    const bodies = members.map((user, i) =>
      reply({ user, ts: tsAt(week.replyAt, i + 1), threadTs, text: `<https://velog.io/@${user}/journal>` }),
    );
    const statuses = await Promise.all(
      bodies.map(async (body) => {
        const res = await postSlackEvent(rig.server, body);
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
    const pendingAtKill = await pendingCount(rig.server);
    await rig.server.kill9();
    const journalName = join('queue', 'queue.journal');
    const baseline = await readFile(join(rig.dir.path, journalName));

    /** A copy of the killed server's DATA_DIR, damaged by `damage`, and what a start on it does. */
    const startDamaged = async (
      name: string,
      damage: (journal: string) => Promise<void>,
      args: string[] = [],
    ) => {
      const dir = await makeTempDir(`til-reliability-journal-${name}`);
      dirs.push(dir);
      await rm(dir.path, { recursive: true, force: true });
      await cp(rig.dir.path, dir.path, { recursive: true });
      const journal = join(dir.path, journalName);
      await damage(journal);
      const damaged = await readFile(journal).catch(() => undefined);
      const outcome = await tryStartServer({ ...rig.env, DATA_DIR: dir.path }, args);
      if (outcome.started) servers.push(outcome.server);
      const output = outcome.started ? outcome.server.output : outcome.output;
      const copies = (await readdir(join(dir.path, 'queue'))).filter((f) =>
        f.startsWith('queue.journal.damaged'),
      );
      const copy = copies[0] ? await readFile(join(dir.path, 'queue', copies[0])) : undefined;
      const after = await readFile(journal).catch(() => undefined);
      return { dir, journal, outcome, output: output.join('\n'), damaged, copy, copies, after };
    };

    // Torn tail: a write that never finished (no newline, never synced, never acknowledged).
    const torn = await startDamaged('torn', async (journal) => {
      await writeFile(
        journal,
        Buffer.concat([baseline, Buffer.from('0badc0de r 123 {"op":"enqueue","mess')]),
      );
    });
    const tornStarted = torn.outcome.started;
    let tornApplied = 0;
    let tornDoubled: string[] = [];
    if (torn.outcome.started) {
      await drained(torn.outcome.server, 3 * 60_000);
      const actual = await memberTotals(torn.outcome.server, [week.month]);
      tornApplied = [...actual.values()].reduce((sum, m) => sum + m.submissions, 0);
      tornDoubled = readLedger(rig.slack.calls).doubled;
      await torn.outcome.server.stop();
    }

    // A flipped byte in the middle: a letter of a record's JSON changes case, so the line's checksum fails.
    let flippedAt = -1;
    const flipped = await startDamaged('flipped', async (journal) => {
      const bytes = Buffer.from(baseline);
      flippedAt = Math.floor(bytes.length / 2);
      while (!(bytes[flippedAt]! >= 0x61 && bytes[flippedAt]! <= 0x7a)) flippedAt++;
      bytes[flippedAt] = bytes[flippedAt]! ^ 0x20;
      await writeFile(journal, bytes);
    });
    const cut = await startDamaged('cut', async (journal) => {
      await truncate(journal, Math.floor(baseline.length / 2));
    });
    const deleted = await startDamaged('deleted', async (journal) => {
      await rm(journal);
    });
    // The operator's way past the damage: start once with what can be read; the loss is reported, not silent.
    const accepted = await startDamaged(
      'accepted',
      async (journal) => {
        await truncate(journal, Math.floor(baseline.length / 2));
      },
      ['--accept-journal-loss'],
    );
    if (accepted.outcome.started) await accepted.outcome.server.stop();

    const refusal = (r: Awaited<ReturnType<typeof startDamaged>>) =>
      r.outcome.started ? 'STARTED' : `refused (exit ${r.outcome.code})`;
    const firstLine = (text: string, pattern: RegExp) =>
      text
        .split('\n')
        .find((l) => pattern.test(l))
        ?.slice(0, 240) ?? '(none)';
    printFigures('crash: damaged journal', [
      ['journal size at kill', `${baseline.length} bytes`],
      ['acknowledged replies / pending at kill', `${members.length} / ${pendingAtKill}`],
      ['torn tail', tornStarted ? 'started' : refusal(torn)],
      ['  replies applied after the start', `${tornApplied} / ${members.length}`],
      ['  report', firstLine(torn.output, /cut off|torn|unfinished/i)],
      [`flipped byte (offset ${flippedAt})`, refusal(flipped)],
      ['  message', firstLine(flipped.output, /damaged/)],
      ['  copy kept', flipped.copies.join(', ') || '(none)'],
      ['cut in half', refusal(cut)],
      ['  message', firstLine(cut.output, /damaged/)],
      ['  copy kept', cut.copies.join(', ') || '(none)'],
      ['deleted', refusal(deleted)],
      ['  message', firstLine(deleted.output, /damaged|missing/)],
      ['cut in half, --accept-journal-loss', accepted.outcome.started ? 'started' : refusal(accepted)],
      ['  report', firstLine(accepted.output, /started anyway|accept/i)],
    ]);

    expect(tornStarted, `torn tail: the server starts\n${torn.output}`).toBe(true);
    expect(torn.output, 'torn tail: the cut is reported at start').toMatch(
      /journal .*queue\.journal: recovered \d+ records up to offset \d+; cut off \d+ bytes/,
    );
    expect(tornApplied, 'torn tail: every acknowledged reply is applied').toBe(members.length);
    expect(tornDoubled).toEqual([]);
    for (const [what, r] of [
      ['flipped byte', flipped],
      ['cut in half', cut],
    ] as const) {
      expect(r.outcome.started, `${what}: the start is refused`).toBe(false);
      expect(r.output, `${what}: the message names the journal`).toContain(`journal ${r.journal} is damaged`);
      expect(r.output, `${what}: and where the copy is`).toContain(`A copy is kept at ${r.journal}.damaged-`);
      expect(r.copy, `${what}: the copy is the damaged file`).toEqual(r.damaged);
      expect(r.after, `${what}: the journal itself is left as it was`).toEqual(r.damaged);
    }
    expect(cut.output).toMatch(/cut short/);
    expect(deleted.outcome.started, 'deleted journal: the start is refused').toBe(false);
    expect(deleted.output).toContain(`journal ${deleted.journal} is damaged: it is missing`);
    expect(accepted.outcome.started, `--accept-journal-loss starts\n${accepted.output}`).toBe(true);
    expect(accepted.output).toMatch(/was damaged \(.*\); started anyway, as asked: \d+ records kept/);
    expect((await stat(accepted.journal)).size).toBeGreaterThan(0);
  });
});
