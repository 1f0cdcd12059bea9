/**
 * Ingress: signed 👍 events against the product's local HTTP server (the ack is durable: it answers 200 once the
 * event is in the embedded queue's fsynced journal, while the processor works through them in the same process),
 * a minimal bolt app and a bare node:http server (both verify and ack, nothing durable). Each measurement is a
 * fresh server (the product on a copy of a seeded store), N keep-alive connections kept busy with pre-signed
 * requests (distinct event ids) for a warm-up and a fixed window; the server's own CPU time over the window
 * (bench/probe.mjs) divided by the requests it accepted. Idle RSS is read before the load.
 */
import { rm } from 'node:fs/promises';
import { type BenchContext, rotated } from './lib/context.js';
import { build, cursor, likeChurn } from './lib/events.js';
import { type LoadResult, runLoad } from './lib/load.js';
import { profiled, summarize } from './lib/profile.js';
import { copyDataDir, monthsUpTo, type Seeded, seedDataDir } from './lib/seed.js';
import { KIND_LABEL, type ServerKind, startServer, tempDataDir } from './lib/servers.js';
import { MiB, num, ratio, type Spread, sleep, spread, withRange } from './lib/stats.js';
import { newSection, type Section, table } from './report.js';

const KINDS: ServerKind[] = ['product', 'bolt', 'bare'];
const CONNECTIONS = [10, 50];

export interface IngressTemplate {
  dir: string;
  seeded: Seeded;
  remove(): Promise<void>;
}

/** A month of 20 replies and 200 members, seeded once and copied for each product server. */
export async function ingressTemplate(): Promise<IngressTemplate> {
  const dir = await tempDataDir('til-bench-ingress-template');
  const seeded = await seedDataDir(dir, {
    months: monthsUpTo(1),
    submissionsPerMonth: 20,
    members: 200,
    likesPerSubmission: 0,
  });
  return { dir, seeded, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Starts `kind` (the product on a copy of the template) and gives it a moment to settle. */
export async function startForLoad(kind: ServerKind, template: IngressTemplate) {
  let dataDir: string | undefined;
  if (kind === 'product' || kind === 'product-tsx') {
    dataDir = await tempDataDir('til-bench-ingress');
    await copyDataDir(template.dir, dataDir);
  }
  const server = await startServer(kind, { dataDir });
  return {
    server,
    async stop() {
      await server.kill();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

interface Measurement {
  load: LoadResult;
  cpuUsPerRequest: number;
  lagMaxMs: number;
  idleRss: number;
  late: number;
}

export async function ingress(ctx: BenchContext): Promise<Section> {
  const section = newSection('Ingress: signed 👍, product vs bolt vs bare node');
  const warmupMs = ctx.quick ? 200 : 1_000;
  const durationMs = ctx.quick ? 700 : 5_000;
  const template = await ingressTemplate();
  const results = new Map<string, Measurement[]>();
  const key = (kind: ServerKind, connections: number) => `${kind}@${connections}`;
  try {
    for (let round = 0; round < ctx.rounds; round++) {
      // Signed afresh each round (Slack's 5-minute window); every server is fresh, so ids repeat only across them.
      const make = likeChurn(template.seeded);
      const prebuilt = build(
        Math.ceil(((warmupMs + durationMs) / 1000) * (ctx.quick ? 30_000 : 25_000)),
        make,
      );
      for (const kind of rotated(KINDS, round)) {
        // Full run: a fresh server per measurement. --quick: one per server and round, both connection counts
        // on it (the product's backlog from the first window then carries into the second).
        let running: Awaited<ReturnType<typeof startForLoad>> | undefined;
        try {
          for (const connections of rotated(CONNECTIONS, round)) {
            const fresh = !running || !ctx.quick;
            if (fresh) {
              await running?.stop();
              running = await startForLoad(kind, template);
              await sleep(ctx.quick ? 150 : 300);
            }
            const { server } = running!;
            const idle = await server.sample(true);
            const requests = cursor(prebuilt, make);
            let atStart = idle;
            const load = await runLoad({
              port: server.port,
              connections,
              warmupMs,
              durationMs,
              next: requests.next,
              onWindowStart: async () => {
                atStart = await server.sample(true);
              },
            });
            const atEnd = await server.sample(true);
            const m: Measurement = {
              load,
              cpuUsPerRequest: (atEnd.cpuUs - atStart.cpuUs) / Math.max(1, load.ok),
              lagMaxMs: atEnd.stallMaxMs,
              idleRss: fresh ? idle.rss : Number.NaN,
              late: requests.late,
            };
            results.set(key(kind, connections), [...(results.get(key(kind, connections)) ?? []), m]);
            ctx.log(
              `  ingress round ${round + 1} ${KIND_LABEL[kind]} @${connections}: ${num(load.rps)} req/s, ` +
                `p99 ${num(load.p99Ms)} ms, ${num(m.cpuUsPerRequest)} µs CPU/req`,
            );
          }
        } finally {
          await running?.stop();
        }
      }
    }
    if (ctx.profile) {
      const make = likeChurn(template.seeded);
      const { server, stop } = await startForLoad('product', template);
      try {
        const path = await profiled(server, 'ingress-product-10', async () => {
          await runLoad({
            port: server.port,
            connections: 10,
            warmupMs: 0,
            durationMs,
            next: cursor([], make).next,
          });
        });
        section.profiles.push(
          `Where the product's CPU goes under ingress (10 connections, one extra profiled run): ${(await summarize(path)).join('\n')}`,
        );
      } finally {
        await stop();
      }
    }
  } finally {
    await template.remove();
  }

  const of = (kind: ServerKind, connections: number, pick: (m: Measurement) => number): Spread =>
    spread((results.get(key(kind, connections)) ?? []).map(pick));
  const rps = (k: ServerKind, c: number) => of(k, c, (m) => m.load.rps);
  const p99 = (k: ServerKind, c: number) => of(k, c, (m) => m.load.p99Ms);
  const cpu = (k: ServerKind, c: number) => of(k, c, (m) => m.cpuUsPerRequest);

  for (const c of CONNECTIONS) {
    const [product, bolt, bare] = [rps('product', c), rps('bolt', c), rps('bare', c)];
    const [pp99, bp99] = [p99('product', c), p99('bolt', c)];
    section.rows.push({
      what: `ingress, signed 👍, ${c} connections`,
      product: `${withRange(product, ' req/s')}, p99 ${num(pp99.median)} ms`,
      peer: `bolt ${withRange(bolt, ' req/s')}, p99 ${num(bp99.median)} ms; bare ${withRange(bare, ' req/s')}, p99 ${num(p99('bare', c).median)} ms`,
      ratio: `${ratio(product.median, bolt.median)} bolt, ${ratio(product.median, bare.median)} bare; p99 ${ratio(pp99.median, bp99.median)} bolt's`,
      goal: '≥ 2× bolt, ≥ 0.5× bare, p99 ≤ bolt’s',
      meets:
        product.median >= 2 * bolt.median &&
        product.median >= 0.5 * bare.median &&
        pp99.median <= bp99.median,
    });
  }
  const cpuAt = 10;
  section.rows.push({
    what: `server CPU per accepted request (${cpuAt} connections; 50 in the details)`,
    product: withRange(cpu('product', cpuAt), ' µs'),
    peer: `bolt ${withRange(cpu('bolt', cpuAt), ' µs')}, bare ${withRange(cpu('bare', cpuAt), ' µs')}`,
    ratio: `${ratio(cpu('product', cpuAt).median, cpu('bolt', cpuAt).median)} bolt's, ${ratio(cpu('product', cpuAt).median, cpu('bare', cpuAt).median)} bare's`,
  });
  // Read on fresh servers only, before any load.
  const idle = (k: ServerKind) =>
    spread(CONNECTIONS.flatMap((c) => (results.get(key(k, c)) ?? []).map((m) => m.idleRss / MiB)));
  section.rows.push({
    what: 'idle RSS (after start, before load)',
    product: withRange(idle('product'), ' MiB'),
    peer: `bolt ${withRange(idle('bolt'), ' MiB')}, bare ${withRange(idle('bare'), ' MiB')}`,
    ratio: `${ratio(idle('product').median, idle('bolt').median)} bolt's, ${ratio(idle('product').median, idle('bare').median)} bare's`,
  });

  const rows: (string | number)[][] = [];
  for (const kind of KINDS) {
    for (const c of CONNECTIONS) {
      const list = results.get(key(kind, c)) ?? [];
      const statuses = new Map<string, number>();
      for (const m of list) {
        for (const [status, n] of Object.entries(m.load.statuses))
          if (status !== '200') statuses.set(status, (statuses.get(status) ?? 0) + n);
        if (m.load.errors)
          statuses.set('socket errors', (statuses.get('socket errors') ?? 0) + m.load.errors);
      }
      rows.push([
        KIND_LABEL[kind],
        c,
        withRange(rps(kind, c)),
        withRange(of(kind, c, (m) => m.load.p50Ms)),
        withRange(p99(kind, c)),
        withRange(of(kind, c, (m) => m.load.maxMs)),
        withRange(cpu(kind, c)),
        withRange(of(kind, c, (m) => m.lagMaxMs)),
        [...statuses].map(([s, n]) => `${s}: ${n}`).join(', ') || 'none',
      ]);
    }
  }
  section.details.push(
    ...table(
      [
        'server',
        'connections',
        'req/s',
        'p50 ms',
        'p99 ms',
        'max ms',
        'CPU µs / accepted',
        'longest event-loop stall ms',
        'answers other than 200',
      ],
      rows,
    ),
  );
  const late = [...results.values()].flat().reduce((sum, m) => sum + m.late, 0);
  section.notes.push(
    `${warmupMs} ms warm-up then a ${durationMs} ms window per measurement; ${ctx.quick ? 'one server per kind and round, both connection counts on it' : 'each measurement on a fresh server'} (the product on a copy of a seeded month: 20 replies, 200 members); rounds alternate the servers' order and the connection counts'.`,
    'The events are 👍 added then removed by the 200 members on the 20 replies, each a real state change, so the product also processes them (in dry run, LIKE_DM at its default) while it answers: its CPU per request includes that share of the processing that happened in the window.',
    'The client (raw keep-alive sockets, pre-signed requests) runs in the bench process on the same machine and shares its cores with the server.',
    ...(late ? [`${late} requests were signed during the window (the pre-signed pool ran out).`] : []),
  );
  return section;
}
