/**
 * The bench's earlier in-process comparisons, kept because they still isolate one property each: a 👍's cost
 * must not grow with the month (processed through the services directly, no HTTP, no queue), and the embedded
 * queue groups concurrent durable sends into shared fsyncs. Full run only (they take a while to set up).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import azureFunctions from '@azure/functions';
import type { Services } from '../functions/services.js';
import { type BenchContext, rotated } from './lib/context.js';
import { product } from './lib/productModules.js';
import { SIGNING_SECRET } from './lib/servers.js';
import { reactionBody, signature } from './lib/slackRequests.js';
import { num, ratio, spread, withRange } from './lib/stats.js';
import { newSection, type Section, table } from './report.js';

const CHANNEL = 'C0BENCH01';
const MONDAY = Date.parse('2026-11-23T09:00:00+09:00');
const ts = (offsetSeconds: number, micros: number) =>
  `${Math.floor(MONDAY / 1000) + offsetSeconds}.${String(micros).padStart(6, '0')}`;

async function tempDir(prefix: string) {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A month's services over a fresh file store, in dry run (nothing printed), with week 4 posted. */
async function monthServices(dir: string) {
  const { fileStore, config: configModule, services: servicesModule, dryRunSlack, logger } = product();
  const { openFileStore } = fileStore;
  const { loadConfig } = configModule;
  const { createServices } = servicesModule;
  const { createDryRunSlack } = dryRunSlack;
  const { consoleLogger } = logger;
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

/** CPU ms per 👍 of every likeCost run, in order. */
const likeCpuMs: number[] = [];

/** ms per 👍 on a month with `existingReplies` replies already processed. */
async function likeCost(existingReplies: number, likes: number): Promise<number> {
  const dir = await tempDir('bench-month');
  const { services, threadTs, close } = await monthServices(dir.path);
  try {
    for (let i = 0; i < existingReplies; i++)
      await processEvent(services, replyEvent(`U0M${i}`, ts(3600, i + 1), threadTs));
    const target = ts(7200, 1);
    await processEvent(services, replyEvent('U0TARGET', target, threadTs));
    const start = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < likes; i++)
      await processEvent(services, likeEvent(`U0FAN${i}`, target, ts(9000, i + 1)));
    const used = process.cpuUsage(cpu);
    likeCpuMs.push((used.user + used.system) / 1000 / likes);
    return (performance.now() - start) / likes;
  } finally {
    await close();
    await dir.remove();
  }
}

/** ms per durable send of 400 messages, one at a time or all at once. */
async function queueSend(concurrent: boolean): Promise<number> {
  const messages = 400;
  const dir = await tempDir('bench-queue');
  const { embeddedQueue, queue: queueModule } = product();
  const queue = await embeddedQueue.openEmbeddedQueue(dir.path, queueModule.defaultQueueOptions);
  try {
    const send = (i: number) => queue.send({ messageId: `m${i}`, sessionId: `s${i % 4}`, body: { i } });
    const start = performance.now();
    if (concurrent) await Promise.all(Array.from({ length: messages }, (_, i) => send(i)));
    else for (let i = 0; i < messages; i++) await send(i);
    return (performance.now() - start) / messages;
  } finally {
    await queue.close();
    await dir.remove();
  }
}

/** Signed 👍 bodies and the headers Node's parser would hand over for them. */
function signedLikes(count: number) {
  const now = Math.floor(Date.now() / 1000);
  const timestamp = String(now);
  return Array.from({ length: count }, (_, i) => {
    const body = reactionBody({
      eventId: `EvMicro${i}`,
      user: `U0FAN${i % 200}`,
      itemTs: ts(3600, (i % 20) + 1),
      itemUser: 'U0AUTHOR',
      eventTs: `${now}.${String(i).padStart(6, '0')}`,
      added: true,
    });
    const bytes = Buffer.from(body);
    const headers = {
      host: '127.0.0.1',
      'content-type': 'application/json',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature(timestamp, body),
      'content-length': String(bytes.length),
    };
    return { bytes, headers };
  });
}

/**
 * CPU ms per signed 👍 from parsed headers and read body to the answer, in-process, the queue a no-op: the
 * product's route as npm start runs it (its request object, the slack-events handler: signature, envelope,
 * routing, slim copy), or only what the bare server does (HMAC, timingSafeEqual, JSON.parse). No socket.
 */
async function requestPath(productRoute: boolean): Promise<number> {
  const requests = signedLikes(20_000);
  const { slackEvents, localRequest, nodeHeaders } = product();
  const handler = slackEvents.createSlackEventsHandler({
    signingSecret: SIGNING_SECRET,
    timeZone: 'Asia/Seoul',
    queue: { send: async () => {}, close: async () => {} },
    now: Date.now,
  });
  const context = new azureFunctions.InvocationContext({ logHandler: () => {} });
  const url = new URL('/api/slack/events', 'http://localhost');
  const bare = ({ bytes, headers }: (typeof requests)[number]) => {
    const hmac = createHmac('sha256', SIGNING_SECRET);
    hmac.update(`v0:${headers['x-slack-request-timestamp']}:`);
    hmac.update(bytes);
    const expected = Buffer.from(`v0=${hmac.digest('hex')}`);
    const received = Buffer.from(headers['x-slack-signature']);
    if (received.length !== expected.length || !timingSafeEqual(received, expected)) throw new Error('401');
    JSON.parse(bytes.toString('utf8'));
  };
  const route = async ({ bytes, headers }: (typeof requests)[number]) => {
    const request = localRequest.localHttpRequest({
      method: 'POST',
      url,
      headers: new nodeHeaders.NodeHeaders(headers),
      bytes,
    });
    const response = await handler(request, context);
    if (response.status !== 200) throw new Error(String(response.status));
  };
  const cpu = process.cpuUsage();
  for (const request of requests) {
    if (productRoute) await route(request);
    else bare(request);
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / requests.length;
}

export async function micro(ctx: BenchContext): Promise<Section> {
  const section = newSection('In-process comparisons (the earlier bench)');
  if (ctx.quick) {
    section.notes.push('Skipped in --quick.');
    return section;
  }
  const comparisons = [
    {
      name: 'signed 👍 request path, in-process, queue a no-op (CPU ms per request)',
      baseline: "bare node's work (HMAC, JSON.parse)",
      variant: "the product's slack-events route as npm start runs it",
      measure: (variant: boolean) => requestPath(variant),
    },
    {
      name: '👍 processing cost vs month size (services in-process, LIKE_DM off)',
      baseline: 'month with 10 replies',
      variant: 'month with 1,000 replies',
      measure: (variant: boolean) => likeCost(variant ? 1_000 : 10, 300),
    },
    {
      name: 'embedded queue durable send',
      baseline: 'sequential sends',
      variant: '400 concurrent sends (group commit)',
      measure: (variant: boolean) => queueSend(variant),
    },
  ];
  const rows: string[][] = [];
  for (const c of comparisons) {
    await c.measure(false); // warm-up, discarded
    const samples = { baseline: [] as number[], variant: [] as number[] };
    for (let round = 0; round < ctx.rounds; round++) {
      for (const which of rotated(['baseline', 'variant'] as const, round))
        samples[which].push(await c.measure(which === 'variant'));
    }
    const [b, v] = [spread(samples.baseline), spread(samples.variant)];
    ctx.log(`  ${c.name}: ${num(b.median)} → ${num(v.median)} ms/op`);
    rows.push([c.name, c.baseline, withRange(b), c.variant, withRange(v), ratio(v.median, b.median)]);
    section.rows.push({
      what: c.name,
      product: `${c.variant}: ${withRange(v, ' ms/op')}`,
      peer: `${c.baseline}: ${withRange(b, ' ms/op')}`,
      ratio: ratio(v.median, b.median),
    });
  }
  section.details.push(
    ...table(['comparison', 'baseline', 'ms/op', 'variant', 'ms/op', 'variant / baseline'], rows),
  );
  section.notes.push(
    `CPU time of a 👍 processed in-process (bench process, LIKE_DM off, every run): ${withRange(spread(likeCpuMs), ' ms')}; the rest of its wall time is waiting on durable writes.`,
  );
  return section;
}
