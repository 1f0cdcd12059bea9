import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { monthPartition, submissionDocId } from '../../functions/app/documents.js';
import { signSlackRequest } from '../../functions/slack/verifySignature.js';
import { CHANNEL, postSlackEvent, SIGNING_SECRET } from '../support/localServer.js';
import { reply, tsAt } from '../support/slackPayloads.js';
import { drained, postWeek, type Rig, startRig } from './support/rig.js';
import { eventually, monthStats, percentile, printFigures, secondsSince, sleep } from './support/scenario.js';
import { readLedger } from './support/slackLedger.js';

/**
 * Poison: events that fail every time they are delivered. Each is a signed reply through the real ingress whose
 * submission document cannot be written: a directory stands where the file store renames the document's file
 * (`<DATA_DIR>/store/<sha256([pk, id])>.json`), so every write of it fails, whoever runs the server and however
 * often. Three such replies in one month's session must each be dead-lettered after the queue's max delivery
 * count (5), each with one admin alert naming it, while the replies of two other months keep flowing (their
 * latency is measured), and the poisoned month's own next reply is processed once the poison is out of its way.
 * Ahead of them goes a poisoned reply nested 3,500 deep, whose dead letter once broke every later alert (#11).
 */
const ADMIN = 'U0ADMIN01';
const MAX_DELIVERIES = 5;
const POISONS = 3;
const FLOW_PER_MONTH = 30;
const WEEKS = {
  poisoned: {
    monday: '2026-10-26T09:00:00+09:00',
    replyAt: '2026-10-27T10:00:00+09:00',
    month: '2026-10',
    key: '2026-10-W4',
  },
  flowing: [
    {
      monday: '2026-09-28T09:00:00+09:00',
      replyAt: '2026-09-29T10:00:00+09:00',
      month: '2026-09',
      key: '2026-09-W4',
    },
    {
      monday: '2026-11-23T09:00:00+09:00',
      replyAt: '2026-11-24T10:00:00+09:00',
      month: '2026-11',
      key: '2026-11-W4',
    },
  ],
};

let rig: Rig | undefined;
afterAll(async () => {
  await rig?.close();
});

/** Where the file store keeps a document (functions/adapters/store/fileStore.ts, documentKey). */
const documentFile = (dataDir: string, pk: string, id: string) =>
  join(
    dataDir,
    'store',
    `${createHash('sha256')
      .update(JSON.stringify([pk, id]))
      .digest('hex')}.json`,
  );

it('events that always fail: dead-lettered after 5 deliveries, one alert each, other months flow meanwhile', async () => {
  let clock = Date.parse(WEEKS.poisoned.monday);
  rig = await startRig({
    name: 'poison',
    slackNow: () => clock,
    env: { ADMIN_USER_IDS: ADMIN, LIKE_DM: 'off', LOCALE: 'en' },
  });
  const { server, slack } = rig;
  const threads = new Map<string, string>();
  for (const week of [WEEKS.poisoned, ...WEEKS.flowing]) {
    clock = Date.parse(week.monday);
    threads.set(week.month, await postWeek(server, week.monday, week.month, week.key));
  }
  clock = Date.parse('2026-12-01T00:00:00+09:00');

  // The poison: replies whose documents cannot be written.
  const poisons = Array.from({ length: POISONS }, (_, i) => ({
    user: `U0POISON${i}`,
    ts: tsAt(WEEKS.poisoned.replyAt, i + 1),
    eventId: `EvPoison${i}`,
  }));
  for (const p of poisons) {
    const path = documentFile(
      rig.dir.path,
      monthPartition(CHANNEL, WEEKS.poisoned.month),
      submissionDocId(p.ts),
    );
    await mkdir(path, { recursive: true });
  }
  // Behind them in their own session: a healthy reply, processed once the poison is dead-lettered.
  const after = { user: 'U0AFTERPOISON', ts: tsAt(WEEKS.poisoned.replyAt, 100), eventId: 'EvAfterPoison' };

  const sentAt = new Map<string, number>();
  const appliedAt = new Map<string, number>();
  const started = Date.now();
  // First, ahead of them in their session: a poisoned reply whose blocks nest 3,500 deep (#11: accepted, its dead
  // letter broke every later dead-letter alert). Refused at the edge (400), or accepted and dead-lettered like the
  // others, without holding back their alerts.
  const deepTs = tsAt(WEEKS.poisoned.replyAt, 50);
  await mkdir(
    documentFile(rig.dir.path, monthPartition(CHANNEL, WEEKS.poisoned.month), submissionDocId(deepTs)),
    {
      recursive: true,
    },
  );
  const deep = `${'['.repeat(3_500)}${']'.repeat(3_500)}`;
  const deepBody = JSON.stringify(
    reply({
      user: 'U0DEEP',
      ts: deepTs,
      threadTs: threads.get(WEEKS.poisoned.month)!,
      text: 'https://velog.io/@deep/x',
      eventId: 'EvDeep3500',
    }),
  ).replace('"event":{', `"event":{"blocks":${deep},`);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const deepAnswer = await fetch(`${server.url}/api/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signSlackRequest(SIGNING_SECRET, timestamp, deepBody),
    },
    body: deepBody,
  });
  await deepAnswer.arrayBuffer();
  expect([200, 400]).toContain(deepAnswer.status);
  for (const p of [...poisons, after]) {
    const res = await postSlackEvent(
      server,
      reply({ ...p, threadTs: threads.get(WEEKS.poisoned.month)!, text: `<https://velog.io/@${p.user}/x>` }),
    );
    expect(res.status).toBe(200);
    sentAt.set(p.user, Date.now());
  }

  // The other months' replies, sent while the poison is being retried, interleaved.
  const flow = WEEKS.flowing.flatMap((week, w) =>
    Array.from({ length: FLOW_PER_MONTH }, (_, i) => ({
      week,
      user: `U0FLOW${w}M${String(i).padStart(2, '0')}`,
      ts: tsAt(week.replyAt, i + 1),
    })),
  );
  const watcher = (async () => {
    while (appliedAt.size < flow.length + 1) {
      for (const month of [...WEEKS.flowing.map((w) => w.month), WEEKS.poisoned.month]) {
        const stats = await monthStats(server, month).catch(() => undefined);
        for (const m of stats?.members ?? [])
          if (!appliedAt.has(m.userId)) appliedAt.set(m.userId, Date.now());
      }
      if (Date.now() - started > 5 * 60_000) return;
      await sleep(100);
    }
  })();
  const order = flow.map((_, i) => flow[(i % 2) * FLOW_PER_MONTH + Math.floor(i / 2)]!);
  for (const f of order) {
    const res = await postSlackEvent(
      server,
      reply({
        user: f.user,
        ts: f.ts,
        threadTs: threads.get(f.week.month)!,
        text: `<https://velog.io/@${f.user}/flow>`,
      }),
    );
    expect(res.status).toBe(200);
    sentAt.set(f.user, Date.now());
    await sleep(20);
  }

  const alertFor = (eventId: string) =>
    readLedger(slack.calls, [ADMIN]).alerts.filter((t) => t.includes(eventId));
  const deadLetteredAt = new Map<string, number>();
  await eventually('every poison dead-lettered and alerted', 3 * 60_000, async () => {
    for (const p of poisons) {
      if (!deadLetteredAt.has(p.eventId) && alertFor(p.eventId).length > 0)
        deadLetteredAt.set(p.eventId, Date.now());
    }
    return deadLetteredAt.size === poisons.length ? true : undefined;
  });
  await drained(server, 2 * 60_000);
  await watcher;
  await sleep(3_000);

  const ledger = readLedger(slack.calls, [ADMIN]);
  const failedDeliveries = (eventId: string) =>
    server.output
      .map((line) => new RegExp(`process-event ${eventId} delivery (\\d+) failed`).exec(line)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
  const flowLatency = flow.map((f) => (appliedAt.get(f.user) ?? Number.NaN) - sentAt.get(f.user)!);
  const lastFlowAppliedAt = Math.max(...flow.map((f) => appliedAt.get(f.user) ?? Number.POSITIVE_INFINITY));
  const lastPoisonAt = Math.max(...deadLetteredAt.values());
  const firstPoisonAt = Math.min(...deadLetteredAt.values());
  const flowStats = await Promise.all(WEEKS.flowing.map((w) => monthStats(server, w.month)));
  const flowCounted = flowStats.flatMap((s) => s.members).filter((m) => m.submissions === 1).length;
  const poisonedStats = await monthStats(server, WEEKS.poisoned.month);
  printFigures('poison', [
    ['poison events (one session)', poisons.length],
    ...poisons.map((p): [string, string] => [
      `  ${p.eventId}: failed deliveries / alerts / dead-lettered after`,
      `${failedDeliveries(p.eventId).join(',') || 'none'} / ${alertFor(p.eventId).length} / ${
        deadLetteredAt.has(p.eventId)
          ? `${((deadLetteredAt.get(p.eventId)! - started) / 1000).toFixed(1)} s`
          : 'never'
      }`,
    ]),
    ['other months: replies counted / sent', `${flowCounted} / ${flow.length}`],
    [
      '  latency p50 / p95 / max',
      `${percentile(flowLatency, 50)} / ${percentile(flowLatency, 95)} / ${Math.max(...flowLatency)} ms`,
    ],
    [
      '  last applied vs first / last poison dead-lettered',
      `${((lastFlowAppliedAt - started) / 1000).toFixed(1)} s vs ${((firstPoisonAt - started) / 1000).toFixed(1)} s / ${((lastPoisonAt - started) / 1000).toFixed(1)} s`,
    ],
    [
      'reply behind the poison',
      poisonedStats.members.some((m) => m.userId === after.user) ? 'applied' : 'NOT applied',
    ],
    [
      '  applied after its send',
      appliedAt.has(after.user) ? `${appliedAt.get(after.user)! - sentAt.get(after.user)!} ms` : '-',
    ],
    ['3,500-deep reply ahead of the poison answered', deepAnswer.status],
    ['admin alerts in all', ledger.alerts.length],
    ['scenario took', secondsSince(started)],
  ]);
  for (const text of ledger.alerts) console.log(`  alert: ${text.slice(0, 240)}`);

  for (const p of poisons) {
    expect(
      failedDeliveries(p.eventId),
      `${p.eventId}: failed on each of the ${MAX_DELIVERIES} deliveries`,
    ).toEqual(Array.from({ length: MAX_DELIVERIES }, (_, i) => i + 1));
    expect(alertFor(p.eventId), `${p.eventId}: one alert`).toHaveLength(1);
    expect(alertFor(p.eventId)[0]).toMatch(new RegExp(`\\b${MAX_DELIVERIES}\\b`));
  }
  // The deep reply, if accepted, may be dead-lettered too (with its own alert); nothing else may alert.
  const otherAlerts = ledger.alerts.filter((t) => !poisons.some((p) => t.includes(p.eventId)));
  expect(otherAlerts.length, 'no other alert').toBeLessThanOrEqual(deepAnswer.status === 200 ? 1 : 0);
  expect(flowCounted, 'every other month’s reply applied').toBe(flow.length);
  expect(lastFlowAppliedAt, 'the other months flowed while the poison was retried').toBeLessThan(
    lastPoisonAt,
  );
  expect(
    poisonedStats.members.map((m) => m.userId),
    'the poisoned month goes on: the reply behind the poison is applied, the poison is not',
  ).toEqual([after.user]);
});
