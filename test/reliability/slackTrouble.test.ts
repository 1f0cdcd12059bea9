import { afterAll, expect, it } from 'vitest';
import { weekOfInstant } from '../../functions/domain/calendar.js';
import type { Week } from '../../functions/domain/types.js';
import { postSlackEvent, tick } from '../support/localServer.js';
import { reaction, reply } from '../support/slackPayloads.js';
import { drained, type Rig, startRig } from './support/rig.js';
import {
  eventually,
  type Figures,
  monthStats,
  printFigures,
  secondsSince,
  sleep,
} from './support/scenario.js';
import { type ChaosFault, type SlackChaos, startSlackChaos } from './support/slackChaos.js';
import { readLedger, total } from './support/slackLedger.js';

/**
 * Slack trouble: the app talks to the fake Slack through the chaos proxy, which plays, one after another, 429s with
 * Retry-After, 500s, `invalid_auth` for 20 s, slow answers (past the client's 10 s timeout, after Slack posted),
 * connections dropped after Slack posted, and a two-minute outage (connection refused). Replies and 👍 keep
 * arriving through each. The promise: late, never lost, never doubled. Every reply answered 200 is counted at
 * once (the state change never waits for Slack), every member is announced exactly once, every liked reply's
 * author gets the DM of its last 👍 exactly once and no DM twice; one alert per real failure: a weekly post Slack
 * refuses for good (`not_in_channel`, ticked three times) alerts once, and nothing that healed alerts at all.
 *
 * Real time: the server runs its scheduler every 2 s (the outbox sweep retries failed effects), in the current
 * week of the real clock, posted at start (POST_TIME 00:00).
 */
const ADMIN = 'U0ADMIN01';
const TZ = 'Asia/Seoul';
const OUTAGE_MS = 120_000;
const CONVERGE_MS = 6 * 60_000;
const SETTLE_MS = 90_000;

let rig: Rig | undefined;
let chaos: SlackChaos | undefined;
afterAll(async () => {
  await rig?.close();
  await chaos?.close();
});

interface Phase {
  name: string;
  startedMs: number;
  authors: { user: string; ts: string; eventId: string }[];
  likes: { user: string; itemTs: string; itemUser: string; eventTs: string; eventId: string }[];
  faultsPlayed: () => number;
  /** From the phase's start until all it caused was in Slack. */
  settledInMs?: number;
  armed: boolean;
}

it('429, 500s, invalid_auth, slow answers, dropped connections, a two-minute outage: late, never lost, never doubled', async () => {
  const started = Date.now();
  const week: Week = weekOfInstant(Date.now(), TZ);
  const otherWeek: Week = weekOfInstant(Date.now() - 14 * 24 * 3600_000, TZ);
  rig = await startRig({
    name: 'slack-trouble',
    slackUrl: async (fake) => {
      chaos = await startSlackChaos(fake.url);
      return chaos.url;
    },
    env: {
      LIKE_DM: 'each',
      ADMIN_USER_IDS: ADMIN,
      POST_TIME: '00:00',
      SCHEDULER_INTERVAL_SECONDS: '2',
    },
  });
  const { server, slack } = rig;
  const proxy = chaos!;
  const threadTs = await eventually('the current week is posted by the scheduler', 60_000, async () => {
    const stats = await monthStats(server, week.month);
    return stats.weeks.find((w) => w.key === week.key && w.threadTs)?.threadTs;
  });

  let micros = 0;
  /** A Slack ts of now (inside the week: a reply made during the scenario). */
  const nowTs = () =>
    `${Math.floor(Math.min(Date.now(), week.deadlineMs - 60_000) / 1000)}.${String(++micros).padStart(6, '0')}`;
  let eventCounter = 0;
  const answers = new Map<number, number>();
  const send = async (body: ReturnType<typeof reply> | ReturnType<typeof reaction>) => {
    const res = await postSlackEvent(server, body);
    answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
    await res.arrayBuffer();
  };
  const phases: Phase[] = [];
  /** Replies by `authors` new members, then `likesEach` 👍 on each reply, sent while the fault is armed. */
  const traffic = async (phase: Phase, authors: number, likesEach: number, spacingMs = 0) => {
    const p = phases.length;
    for (let a = 0; a < authors; a++) {
      const author = {
        user: `U0T${p}A${a}`,
        ts: nowTs(),
        eventId: `EvTrouble${p}R${a}x${++eventCounter}`,
      };
      phase.authors.push(author);
      await send(
        reply({
          ...author,
          threadTs,
          text: `<https://velog.io/@${author.user.toLowerCase()}/trouble-${p}>`,
        }),
      );
      if (spacingMs) await sleep(spacingMs);
    }
    for (const author of phase.authors) {
      for (let l = 0; l < likesEach; l++) {
        const like = {
          user: `U0T${p}A${phase.authors.indexOf(author)}L${l}`,
          itemTs: author.ts,
          itemUser: author.user,
          eventTs: nowTs(),
          eventId: `EvTrouble${p}L${++eventCounter}`,
        };
        phase.likes.push(like);
        await send(reaction(like));
        if (spacingMs) await sleep(spacingMs);
      }
    }
  };
  // When each member's broadcast first shows in Slack: how late "late" is.
  const announcedAt = new Map<string, number>();
  const label = week.label;
  const watcher = setInterval(() => {
    const ledger = readLedger(slack.calls, [ADMIN]);
    for (const p of phases) {
      for (const a of p.authors) {
        if (!announcedAt.has(a.user) && ledger.broadcasts.has(`${a.user} ${label}`))
          announcedAt.set(a.user, Date.now());
      }
    }
  }, 250);
  /** Whether users have seen all a phase caused: each member announced, each liked reply's last 👍 DM'd. */
  const settled = (p: Phase) => {
    const ledger = readLedger(slack.calls, [ADMIN]);
    const dmIds = [...ledger.likeDms.keys()];
    return p.authors.every((a) => {
      const likes = p.likes.filter((l) => l.itemTs === a.ts);
      const last = likes[likes.length - 1];
      return (
        ledger.broadcasts.has(`${a.user} ${label}`) &&
        (!last || dmIds.some((id) => id.includes(a.ts) && id.includes(last.eventTs)))
      );
    });
  };
  /**
   * A phase starts once the last one has settled (or SETTLE_MS ran out: the final checks judge it) and the queue
   * is idle, so its fault meets a healthy app and fresh traffic, and each phase's lateness is its own.
   */
  const phase = async (name: string, arm?: () => ReturnType<SlackChaos['inject']>): Promise<Phase> => {
    const previous = phases[phases.length - 1];
    if (previous) {
      await eventually(`phase "${previous.name}" settled`, SETTLE_MS, async () =>
        settled(previous) ? true : undefined,
      )
        .then(() => {
          previous.settledInMs = Date.now() - previous.startedMs;
        })
        .catch(() => undefined);
    }
    await drained(server, 2 * 60_000);
    const fault = arm?.();
    const p: Phase = {
      name,
      startedMs: Date.now(),
      authors: [],
      likes: [],
      faultsPlayed: () => fault?.hits() ?? 0,
      armed: fault !== undefined,
    };
    phases.push(p);
    return p;
  };
  /** Arms the fault when its phase starts. */
  const injectFor = (fault: ChaosFault, scope: Parameters<SlackChaos['inject']>[1]) => () =>
    proxy.inject(fault, scope);

  // 0. No trouble: the baseline.
  await traffic(await phase('no trouble'), 3, 2);

  // A real failure: Slack refuses another week's post for good (the bot is not in the channel); the operator
  // ticks that week three times. One alert, not three.
  const refusedJob = `weekly post ${otherWeek.key}`;
  const refusal = proxy.inject(
    { kind: 'slackError', error: 'not_in_channel' },
    {
      methods: ['chat.postMessage'],
      match: (_, args) => String(args.metadata).includes(`"${otherWeek.key}"`),
    },
  );
  const refusedTicks: string[] = [];
  for (let n = 0; n < 3; n++) {
    const report = await tick(server, new Date(otherWeek.startMs + 10 * 3600_000 + n * 60_000).toISOString());
    refusedTicks.push(String(report.weeklyPost));
  }

  // 1. 429 with Retry-After 3 s on posts and name look-ups.
  await traffic(
    await phase(
      '429 Retry-After 3 s',
      injectFor(
        { kind: 'rateLimited', retryAfterSec: 3 },
        { methods: ['chat.postMessage', 'users.info', 'chat.getPermalink'], times: 8 },
      ),
    ),
    4,
    2,
  );
  // 2. 500s on every method for 10 s.
  const five = await phase(
    '500 for 10 s',
    injectFor({ kind: 'serverError', status: 500 }, { forMs: 10_000 }),
  );
  await traffic(five, 4, 2, 300);
  await sleep(Math.max(0, five.startedMs + 10_000 - Date.now()));
  // 3. The token is refused for 20 s.
  const auth = await phase(
    'invalid_auth for 20 s',
    injectFor({ kind: 'slackError', error: 'invalid_auth' }, { forMs: 20_000 }),
  );
  await traffic(auth, 4, 2, 600);
  await sleep(Math.max(0, auth.startedMs + 20_000 - Date.now()));
  // 4. Slow answers: Slack posts, but answers after the client's 10 s timeout.
  await traffic(
    await phase(
      'slow answers (12 s)',
      injectFor({ kind: 'slow', delayMs: 12_000 }, { methods: ['chat.postMessage'], times: 3 }),
    ),
    3,
    1,
  );
  // 5. Connections dropped after Slack posted.
  await traffic(
    await phase(
      'dropped after posting',
      injectFor({ kind: 'dropAfterForward' }, { methods: ['chat.postMessage'], times: 4 }),
    ),
    3,
    1,
  );
  // 6. Two minutes of connection refused; replies and 👍 keep coming during the first half of it.
  const outagePhase = await phase('outage 2 min (refused)');
  const outage = proxy.outage(OUTAGE_MS);
  await traffic(outagePhase, 6, 2, 2_000);
  await outage;
  const outageEndedMs = Date.now();

  // Converged: every member announced, and every liked reply's last 👍 DM'd, or the liveness bound runs out.
  const allAuthors = phases.flatMap((p) => p.authors);
  const lastLikes = phases.flatMap((p) =>
    p.authors.flatMap((a) => {
      const likes = p.likes.filter((l) => l.itemTs === a.ts);
      return likes.length ? [{ author: a, last: likes[likes.length - 1]! }] : [];
    }),
  );
  const dmOfLastLike = (ids: Iterable<string>, item: (typeof lastLikes)[number]) =>
    [...ids].filter((id) => id.includes(item.author.ts) && id.includes(item.last.eventTs));
  let converged = true;
  await eventually(
    'every member announced and every last 👍 DM’d',
    CONVERGE_MS,
    async () => {
      const ledger = readLedger(slack.calls, [ADMIN]);
      const done =
        allAuthors.every((a) => announcedAt.has(a.user)) &&
        lastLikes.every((item) => dmOfLastLike(ledger.likeDms.keys(), item).length > 0);
      return done ? true : undefined;
    },
    500,
  ).catch((error: unknown) => {
    converged = false;
    console.log(String(error));
  });
  const convergedIn = secondsSince(outageEndedMs);
  if (converged) outagePhase.settledInMs = Date.now() - outagePhase.startedMs;
  clearInterval(watcher);
  // Anything doubled late would show now.
  await sleep(5_000);
  await drained(server, 60_000);

  const ledger = readLedger(slack.calls, [ADMIN]);
  const stats = await monthStats(server, week.month);
  const counted = new Map(stats.members.map((m) => [m.userId, m]));
  const uncounted = allAuthors.filter((a) => counted.get(a.user)?.submissions !== 1).map((a) => a.user);
  const likesWrong = phases.flatMap((p) =>
    p.authors
      .filter((a) => (counted.get(a.user)?.likes ?? 0) !== p.likes.filter((l) => l.itemTs === a.ts).length)
      .map((a) => `${a.user}: ${counted.get(a.user)?.likes ?? 0}`),
  );
  const unannounced = allAuthors
    .filter((a) => !ledger.broadcasts.has(`${a.user} ${label}`))
    .map((a) => a.user);
  const lastDmMissing = lastLikes
    .filter((item) => dmOfLastLike(ledger.likeDms.keys(), item).length !== 1)
    .map((item) => item.author.user);
  // The alert names the job in words (「2026년 11월 3주차 …」) and the reason by Slack's code.
  const refusedAlerts = ledger.alerts.filter((text) => text.includes('not_in_channel'));
  const otherAlerts = ledger.alerts.filter((text) => !text.includes('not_in_channel'));
  const eventIds = phases.flatMap((p) => [...p.authors, ...p.likes].map((e) => e.eventId));
  const alertsOnHealedEvents = ledger.alerts.filter((text) => eventIds.some((id) => text.includes(id)));
  const repeatedAlerts = ledger.alerts.filter((text, i) => ledger.alerts.indexOf(text) !== i);

  const figures: Figures = [
    ['week (real clock)', `${week.key} (${label})`],
    ...phases.map((p): [string, string] => {
      const delays = p.authors.map((a) => (announcedAt.get(a.user) ?? Number.NaN) - p.startedMs);
      const worst = Math.max(...delays);
      return [
        `phase: ${p.name}`,
        `${p.authors.length} replies, ${p.likes.length} 👍, faults played ${p.faultsPlayed()}; ` +
          `from its start: all announced ${Number.isNaN(worst) ? 'NEVER' : `${(worst / 1000).toFixed(1)} s`}, ` +
          `all in Slack ${p.settledInMs === undefined ? 'NOT' : `${(p.settledInMs / 1000).toFixed(1)} s`}`,
      ];
    }),
    ['fault hits by kind', [...tallyKinds(proxy)].map(([k, n]) => `${k} ${n}`).join(', ')],
    ['requests forwarded to Slack', proxy.forwarded()],
    ['answers to Slack events', [...answers].map(([s, n]) => `${s}: ${n}`).join(', ')],
    ['replies counted / sent', `${allAuthors.length - uncounted.length} / ${allAuthors.length}`],
    ['members announced / taking part', `${ledger.broadcasts.size} / ${allAuthors.length}`],
    ['broadcasts posted', total(ledger.broadcasts)],
    [
      'like DMs sent / 👍 sent',
      `${total(ledger.likeDms)} / ${phases.reduce((n, p) => n + p.likes.length, 0)}`,
    ],
    [
      'liked replies whose last 👍 was DM’d once',
      `${lastLikes.length - lastDmMissing.length} / ${lastLikes.length}`,
    ],
    ['doubled posts or DMs', ledger.doubled.length],
    [`ticks of the refused ${refusedJob}`, refusedTicks.join(', ')],
    [
      'alerts: refused post / other / repeated',
      `${refusedAlerts.length} / ${otherAlerts.length} / ${repeatedAlerts.length}`,
    ],
    ['refused-post faults played', refusal.hits()],
    [
      'converged after the outage ended in',
      converged ? convergedIn : `NOT within ${CONVERGE_MS / 60_000} min`,
    ],
    ['scenario took', secondsSince(started)],
  ];
  printFigures('Slack trouble', figures);
  for (const text of ledger.alerts) console.log(`  alert: ${text.slice(0, 200)}`);

  expect(
    phases.filter((p) => p.armed && p.faultsPlayed() === 0).map((p) => p.name),
    'precondition: each fault met Slack calls',
  ).toEqual([]);
  expect([...answers.keys()], 'every Slack event answered 200, whatever Slack does').toEqual([200]);
  expect(uncounted, 'every reply answered 200 is counted').toEqual([]);
  expect(likesWrong, 'every 👍 counted').toEqual([]);
  expect(ledger.doubled, 'no post or DM twice').toEqual([]);
  expect(unannounced, 'every member announced (late is fine)').toEqual([]);
  expect(lastDmMissing, 'each liked reply: the DM of its last 👍 sent exactly once').toEqual([]);
  expect(total(ledger.weeklyPosts), 'the week posted once').toBe(1);
  expect(refusedAlerts, 'the refused weekly post: one alert for three failing ticks').toHaveLength(1);
  expect(repeatedAlerts, 'no alert twice').toEqual([]);
  expect(alertsOnHealedEvents, 'nothing that healed is alerted (alert only after retries give up)').toEqual(
    [],
  );
  expect(otherAlerts.length, 'at most one alert per trouble').toBeLessThanOrEqual(phases.length - 1);
});

function tallyKinds(chaos: SlackChaos): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const hit of chaos.hits) kinds.set(hit.fault, (kinds.get(hit.fault) ?? 0) + 1);
  return kinds;
}
