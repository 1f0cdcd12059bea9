import { afterAll, expect, it } from 'vitest';
import { getJson, postSlackEvent } from '../support/localServer.js';
import { reaction, reply, tsAt } from '../support/slackPayloads.js';
import {
  type HostileRequest,
  hostileRequests,
  type Outcome,
  STALLS,
  sendHostile,
  stallingClient,
} from './support/hostile.js';
import { drained, postWeek, type Rig, startRig } from './support/rig.js';
import {
  type Figures,
  inPool,
  monthStats,
  percentile,
  printFigures,
  scenarioSeed,
  secondsSince,
  seededRandom,
  shuffled,
  sleep,
} from './support/scenario.js';
import { readLedger } from './support/slackLedger.js';

/**
 * Fuzz: 10,000 hostile requests, signed and unsigned, in a seeded random order (support/hostile.ts lists them:
 * bad or missing signatures, stale timestamps, bodies over 1 MiB, malformed and deeply nested JSON, event ids over
 * 128 characters, prototype member names as ids, 40,000- and 120,000-character texts, request lines Node cannot
 * parse, headers over the limit, operator ticks at absurd instants, nonsense on the read API, and fast-check
 * mutations of valid envelopes), while clients stall on open connections. The promise: no 5xx (nothing here
 * makes the store or the queue unable to write), every answer the one SPEC 4 gives for its kind, the server
 * process alive throughout, stalled clients cut off, and afterwards a normal reply and 👍 processed, with the
 * 👍 count of a reply that prototype-named users liked and unliked still exact.
 */
const SEED = scenarioSeed(10_000);
const REQUESTS = 10_000;
const CONCURRENCY = 32;
const ADMIN = 'U0ADMIN01';
const WEEK = { monday: '2026-11-23T09:00:00+09:00', month: '2026-11', key: '2026-11-W4' };

let rig: Rig | undefined;
afterAll(async () => {
  await rig?.close();
});

it('10,000 hostile requests: no 5xx, no crash, and a normal event afterwards is processed', async () => {
  let clock = Date.parse(WEEK.monday);
  rig = await startRig({
    name: 'fuzz',
    slackNow: () => clock,
    env: { ADMIN_USER_IDS: ADMIN, LOG_LEVEL: 'warn' },
  });
  const { server } = rig;
  const threadTs = await postWeek(server, WEEK.monday, WEEK.month, WEEK.key);
  clock = Date.parse('2026-12-01T00:00:00+09:00');
  const target = { user: 'U0TARGET', ts: tsAt('2026-11-24T09:00:00+09:00', 1) };
  const mutationBase = { user: 'U0MUTBASE', ts: tsAt('2026-11-24T09:00:00+09:00', 2) };
  for (const r of [target, mutationBase]) {
    const res = await postSlackEvent(
      server,
      reply({ ...r, threadTs, text: `<https://velog.io/@${r.user}/base>` }),
    );
    expect(res.status).toBe(200);
  }
  await drained(server, 60_000);

  const requests = shuffled(
    hostileRequests(SEED, REQUESTS, { threadTs, target, mutationBase }),
    seededRandom(SEED),
  );
  // Clients that stall on open connections for the whole run.
  const stalls = Array.from({ length: 40 }, (_, i) => stallingClient(server.url, STALLS[i % STALLS.length]!));
  // The event loop's health, seen from outside: how long /api/health takes while the hostile requests run.
  const probeLatencies: number[] = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const t = Date.now();
      await fetch(`${server.url}/api/health`)
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
      probeLatencies.push(Date.now() - t);
      await sleep(200);
    }
  })();

  const byCategory = new Map<string, Map<Outcome, number>>();
  const violations: string[] = [];
  const slowest = { ms: 0, category: '' };
  let deadAt: string | undefined;
  const started = Date.now();
  await inPool(requests, CONCURRENCY, async (request: HostileRequest, i) => {
    const t = Date.now();
    const outcome = await sendHostile(server.url, request);
    const ms = Date.now() - t;
    if (ms > slowest.ms) Object.assign(slowest, { ms, category: request.category });
    const tally = byCategory.get(request.category) ?? new Map<Outcome, number>();
    tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
    byCategory.set(request.category, tally);
    if (!request.allowed.includes(outcome) && violations.length < 200) {
      const what = request.send.kind === 'http' ? `${request.send.method} ${request.send.path}` : 'raw';
      violations.push(
        `#${i} ${request.category} (${what}): ${outcome}, allowed ${request.allowed.join('/')}`,
      );
    }
    if (!deadAt && !server.alive()) deadAt = `after request #${i} (${request.category})`;
  });
  const sentIn = secondsSince(started);
  const stalled = await Promise.all(stalls.map((s) => s.settled));
  const aliveAfterRun = server.alive();

  // Afterwards: the consumer still works, on the very reply the prototype-named users liked and unliked.
  let normalProcessed = false;
  let targetLikes = -1;
  let monthsConsistent: string[] = [];
  if (aliveAfterRun) {
    await drained(server, 4 * 60_000).catch((error: unknown) => console.log(String(error)));
  }
  // The probe ran while the requests were answered and while the consumer worked through what they enqueued.
  probing = false;
  await probe;
  const processedIn = secondsSince(started);
  if (aliveAfterRun) {
    const normal = { user: 'U0NORMAL', ts: tsAt('2026-11-26T09:00:00+09:00', 1) };
    const answers = await Promise.all([
      postSlackEvent(
        server,
        reply({ ...normal, threadTs, text: 'TIL <https://velog.io/@normal/after-fuzz>' }),
      ),
      postSlackEvent(
        server,
        reaction({
          user: 'U0NORMALFAN',
          itemTs: target.ts,
          itemUser: target.user,
          eventTs: tsAt('2026-11-26T10:00:00+09:00', 1),
        }),
      ),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await drained(server, 2 * 60_000);
    const stats = await monthStats(server, WEEK.month);
    normalProcessed = stats.members.find((m) => m.userId === normal.user)?.submissions === 1;
    targetLikes = stats.members.find((m) => m.userId === target.user)?.likes ?? -1;
    const { body: months } = await getJson<string[]>(server, '/api/months');
    monthsConsistent = [];
    for (const month of months) {
      const { status } = await getJson(server, `/api/stats?month=${encodeURIComponent(month)}`);
      if (status !== 200) monthsConsistent.push(`${month}: ${status}`);
    }
  }
  const ledger = readLedger(rig.slack.calls, [ADMIN]);
  const fivexx = [...byCategory.values()].reduce(
    (sum, tally) =>
      sum + [...tally].filter(([o]) => typeof o === 'number' && o >= 500).reduce((s, [, n]) => s + n, 0),
    0,
  );
  const figures: Figures = [
    ['seed', SEED],
    ['requests', requests.length],
    ...[...byCategory]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([category, tally]): [string, string] => [
        `  ${category}`,
        [...tally]
          .sort(([a], [b]) => String(a).localeCompare(String(b)))
          .map(([o, n]) => `${o}: ${n}`)
          .join(', '),
      ]),
    ['5xx answers', fivexx],
    ['answers SPEC 4 does not allow', violations.length],
    ['server alive throughout', deadAt ? `NO, died ${deadAt}` : aliveAfterRun ? 'yes' : 'NO'],
    [
      'stalled clients (40): outcome / after',
      `${[...new Set(stalled.map((s) => s.outcome))].join(', ')} / ${Math.min(...stalled.map((s) => s.afterMs))}–${Math.max(...stalled.map((s) => s.afterMs))} ms`,
    ],
    [
      '/api/health while fuzzing and processing: p50 / p99 / max',
      `${percentile(probeLatencies, 50)} / ${percentile(probeLatencies, 99)} / ${Math.max(...probeLatencies)} ms`,
    ],
    [
      '/api/health probes slower than 1 s (event loop stalls)',
      probeLatencies.filter((ms) => ms > 1_000).length,
    ],
    ['slowest answer', `${slowest.ms} ms (${slowest.category})`],
    ['dead-letter alerts from fuzz input', ledger.alerts.length],
    ['normal reply afterwards processed', normalProcessed ? 'yes' : 'NO'],
    ['👍 on the prototype-liked reply (want 1)', targetLikes],
    ['months listed that /api/stats refuses', monthsConsistent.length ? monthsConsistent.join(', ') : 'none'],
    ['sent in', sentIn],
    ['sent and processed in', processedIn],
  ];
  printFigures('fuzz', figures);
  for (const v of violations.slice(0, 20)) console.log(`  not allowed: ${v}`);
  for (const text of ledger.alerts.slice(0, 5)) console.log(`  alert: ${text.slice(0, 200)}`);

  expect(requests).toHaveLength(REQUESTS);
  expect(deadAt, 'the server process stays alive').toBeUndefined();
  expect(aliveAfterRun).toBe(true);
  expect(fivexx, 'no 5xx').toBe(0);
  expect(violations, 'every answer is the one SPEC 4 gives').toEqual([]);
  expect(
    stalled.filter((s) => s.outcome === 'timeout'),
    'every stalled client is cut off (answered or closed)',
  ).toEqual([]);
  expect(normalProcessed, 'a normal reply afterwards is processed').toBe(true);
  expect(targetLikes, 'the prototype-named likes and unlikes leave the count exact').toBe(1);
  expect(monthsConsistent, '/api/months lists only months /api/stats serves').toEqual([]);
});
