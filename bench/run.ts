/**
 * `npm run bench`: each benchmark measures a baseline and a variant in the same run and prints their ratio, so
 * the figures compare like with like on whatever machine runs them. Nothing here passes or fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openEmbeddedQueue } from '../functions/adapters/queue/embeddedQueue.js';
import { defaultQueueOptions } from '../functions/adapters/queue/queue.js';
import { createDryRunSlack } from '../functions/adapters/slack/dryRunSlack.js';
import { openFileStore } from '../functions/adapters/store/fileStore.js';
import { consoleLogger } from '../functions/app/logger.js';
import { createServices, type Services } from '../functions/app/services.js';
import { loadConfig } from '../functions/config.js';

const CHANNEL = 'C0BENCH01';
const MONDAY = Date.parse('2026-11-23T09:00:00+09:00');
const ts = (offsetSeconds: number, micros: number) =>
  `${Math.floor(MONDAY / 1000) + offsetSeconds}.${String(micros).padStart(6, '0')}`;

interface Row {
  name: string;
  baseline: string;
  variant: string;
  baselineMsPerOp: number;
  variantMsPerOp: number;
}
const rows: Row[] = [];

async function tempDir(prefix: string) {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Alternates baseline and variant over several rounds (after a discarded warm-up) and keeps the medians. */
async function compare(measure: (variant: boolean) => Promise<number>, rounds = 3) {
  await measure(false);
  const baseline: number[] = [];
  const variant: number[] = [];
  for (let round = 0; round < rounds; round++) {
    baseline.push(await measure(false));
    variant.push(await measure(true));
  }
  return { baselineMsPerOp: median(baseline), variantMsPerOp: median(variant) };
}

async function timePerOp(ops: number, run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / ops;
}

/** A month's services over a fresh file store, in dry run (nothing printed), with week 4 posted. */
async function monthServices(
  dir: string,
): Promise<{ services: Services; threadTs: string; close(): Promise<void> }> {
  const store = await openFileStore(dir);
  const config = loadConfig({ TIL_CHANNEL_ID: CHANNEL, SLACK_SIGNING_SECRET: 'bench', LIKE_DM: 'off' });
  const services = createServices(config, {
    store,
    queue: { send: async () => {}, close: async () => {} },
    slack: createDryRunSlack(() => {}),
    log: consoleLogger('error'),
    now: () => MONDAY,
  });
  await services.jobs.runDue(MONDAY);
  const [week] = await store.query<{ id: string; pk: string; type: string; threadTs?: string }>({
    type: 'week',
  });
  return { services, threadTs: week?.doc.threadTs ?? '', close: () => store.close() };
}

let eventCounter = 0;
const processEvent = (services: Services, event: Record<string, unknown>) => {
  const eventId = `EvBench${++eventCounter}`;
  return services.processEvent.process({ eventId, event }, { messageId: eventId, deliveryCount: 1 });
};
const replyEvent = (user: string, replyTs: string, threadTs: string) => ({
  type: 'message',
  channel: CHANNEL,
  user,
  text: `<https://velog.io/@${user}/til>`,
  ts: replyTs,
  thread_ts: threadTs,
});
const likeEvent = (user: string, itemTs: string, eventTs: string) => ({
  type: 'reaction_added',
  user,
  reaction: '+1',
  item: { type: 'message', channel: CHANNEL, ts: itemTs },
  event_ts: eventTs,
});

/** The cost of a 👍 must not grow as the month fills: one small document per reply. */
async function likeCostVersusMonthSize() {
  const likes = 300;
  const measure = async (fullMonth: boolean) => {
    const existingReplies = fullMonth ? 1000 : 10;
    const dir = await tempDir('bench-month');
    const { services, threadTs, close } = await monthServices(dir.path);
    for (let i = 0; i < existingReplies; i++)
      await processEvent(services, replyEvent(`U0M${i}`, ts(3600, i + 1), threadTs));
    const target = ts(7200, 1);
    await processEvent(services, replyEvent('U0TARGET', target, threadTs));
    const msPerOp = await timePerOp(likes, async () => {
      for (let i = 0; i < likes; i++)
        await processEvent(services, likeEvent(`U0FAN${i}`, target, ts(9000, i + 1)));
    });
    await close();
    await dir.remove();
    return msPerOp;
  };
  rows.push({
    name: '👍 processing cost vs month size',
    baseline: 'month with 10 replies',
    variant: 'month with 1000 replies',
    ...(await compare(measure)),
  });
}

/** The embedded queue groups concurrent appends into one fsync: concurrent senders vs one at a time. */
async function queueGroupCommit() {
  const messages = 400;
  const measure = async (concurrent: boolean) => {
    const dir = await tempDir('bench-queue');
    const queue = await openEmbeddedQueue(dir.path, defaultQueueOptions);
    const send = (i: number) => queue.send({ messageId: `m${i}`, sessionId: `s${i % 4}`, body: { i } });
    const msPerOp = await timePerOp(messages, async () => {
      if (concurrent) await Promise.all(Array.from({ length: messages }, (_, i) => send(i)));
      else for (let i = 0; i < messages; i++) await send(i);
    });
    await queue.close();
    await dir.remove();
    return msPerOp;
  };
  rows.push({
    name: 'embedded queue durable send',
    baseline: 'sequential sends',
    variant: '400 concurrent sends (group commit)',
    ...(await compare(measure)),
  });
}

await likeCostVersusMonthSize();
await queueGroupCommit();

const table = rows.map((r) => ({
  benchmark: r.name,
  baseline: r.baseline,
  variant: r.variant,
  'baseline ms/op': Number(r.baselineMsPerOp.toFixed(3)),
  'variant ms/op': Number(r.variantMsPerOp.toFixed(3)),
  'ratio (variant / baseline)': Number((r.variantMsPerOp / r.baselineMsPerOp).toFixed(2)),
}));
console.table(table);
