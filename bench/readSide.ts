/**
 * Read side: GET /api/stats (the month) and /api/history on stores whose current month holds 10, 1,000 and 10,000
 * submissions (filled through the store API with the importer's documents: posted weeks, replies with 3 👍 each,
 * members), the three servers up at once and read in alternating rounds; the server's CPU per request and its
 * event-loop delay beside the wall time. Then whether ingress stalls while they run: signed 👍 at 10 connections
 * on the 10,000 store with no reads, with stats read back to back, and with history read back to back.
 */
import { rm } from 'node:fs/promises';
import { type BenchContext, rotated } from './lib/context.js';
import { build, cursor, likeChurn } from './lib/events.js';
import { runLoad } from './lib/load.js';
import { monthFigures, type RunningProduct, startProduct } from './lib/product.js';
import { profiled, summarize } from './lib/profile.js';
import { monthsUpTo, type Seeded, seedDataDir } from './lib/seed.js';
import { tempDataDir } from './lib/servers.js';
import { num, ratio, type Spread, sleep, spread, withRange } from './lib/stats.js';
import { newSection, type Section, table } from './report.js';

const SIZES = [10, 1_000, 10_000];
/** Ingress with no reads, stats read back to back, history back to back, stats every 500 ms. */
const CONDITIONS = ['none', 'stats', 'history', 'paced'] as const;
type Condition = (typeof CONDITIONS)[number];
const CONDITION_LABEL: Record<Condition, string> = {
  none: 'no reads',
  stats: '/api/stats back to back',
  history: '/api/history back to back',
  paced: '/api/stats every 500 ms',
};
type Endpoint = 'stats' | 'history';

async function timedGet(
  url: string,
  ifNoneMatch?: string,
): Promise<{ ms: number; status: number; bytes: number; etag: string | null }> {
  const start = performance.now();
  const res = await fetch(url, ifNoneMatch ? { headers: { 'if-none-match': ifNoneMatch } } : undefined);
  const body = await res.arrayBuffer();
  return {
    ms: performance.now() - start,
    status: res.status,
    bytes: body.byteLength,
    etag: res.headers.get('etag'),
  };
}

interface Reads {
  ms: number[];
  /** The same read revalidated with the ETag the last answer gave (as the dashboard's browser does). */
  revalidatedMs: number[];
  revalidatedStatuses: Set<number>;
  cpuMs: number[];
  lagMaxMs: number[];
  bytes: number;
  statuses: Set<number>;
}

export async function readSide(ctx: BenchContext): Promise<Section> {
  const section = newSection('Read side: stats and history at 10 / 1,000 / 10,000 submissions');
  const perRound = ctx.quick ? 1 : 5;
  const month = monthsUpTo(1)[0]!;
  const stores: { size: number; dir: string; seeded: Seeded; product?: RunningProduct; seedMs: number }[] =
    [];
  const reads = new Map<string, Reads>();
  const stall = new Map<string, { p99: number[]; rps: number[]; lag: number[]; reads: number[] }>();
  try {
    await Promise.all(
      SIZES.map(async (size) => {
        const dir = await tempDataDir(`til-bench-read-${size}`);
        const start = performance.now();
        const seeded = await seedDataDir(dir, {
          months: [month],
          submissionsPerMonth: size,
          members: Math.min(2_500, Math.max(50, Math.ceil(size / 4))),
          likesPerSubmission: 3,
        });
        stores.push({ size, dir, seeded, seedMs: performance.now() - start });
      }),
    );
    stores.sort((a, b) => a.size - b.size);
    for (const store of stores) {
      const start = performance.now();
      store.product = await startProduct({ dataDir: store.dir });
      ctx.log(
        `  read side: ${store.size} submissions seeded in ${num(store.seedMs / 1000)} s, server up in ${num((performance.now() - start) / 1000)} s`,
      );
    }
    const url = (store: (typeof stores)[number], endpoint: Endpoint) =>
      `${store.product!.server.url}${endpoint === 'stats' ? `/api/stats?month=${month}` : '/api/history'}`;
    // Warm-up: the first stats read fetches the weeks' permalinks in the background (dry run) and stores them.
    for (const store of stores) {
      for (const endpoint of ['stats', 'history'] as const) await timedGet(url(store, endpoint));
    }
    await sleep(300);
    for (const store of stores) {
      const figures = await monthFigures(store.product!.server, month);
      if (figures.submissions !== store.size)
        section.notes.push(
          `The ${store.size} store's /api/stats counts ${figures.submissions} submissions (status ${figures.status}): the seeding or the month rules changed.`,
        );
    }

    for (let round = 0; round < ctx.rounds; round++) {
      for (const store of rotated(stores, round)) {
        for (const endpoint of rotated(['stats', 'history'] as const, round)) {
          const key = `${store.size}:${endpoint}`;
          const r = reads.get(key) ?? {
            ms: [],
            revalidatedMs: [],
            revalidatedStatuses: new Set(),
            cpuMs: [],
            lagMaxMs: [],
            bytes: 0,
            statuses: new Set(),
          };
          const { server } = store.product!;
          for (let i = 0; i < perRound; i++) {
            const before = await server.sample(true);
            const got = await timedGet(url(store, endpoint));
            const after = await server.sample(true);
            r.ms.push(got.ms);
            r.cpuMs.push((after.cpuUs - before.cpuUs) / 1000);
            r.lagMaxMs.push(after.stallMaxMs);
            r.bytes = got.bytes;
            r.statuses.add(got.status);
            if (got.etag) {
              const again = await timedGet(url(store, endpoint), got.etag);
              r.revalidatedMs.push(again.ms);
              r.revalidatedStatuses.add(again.status);
            }
          }
          reads.set(key, r);
        }
      }
    }

    // Ingress while reading, on the largest store.
    const largest = stores.at(-1)!;
    const { server } = largest.product!;
    const warmupMs = 200;
    const durationMs = ctx.quick ? 500 : 3_000;
    for (let round = 0; round < ctx.rounds; round++) {
      const make = likeChurn(largest.seeded);
      const prebuilt = build(Math.ceil(((warmupMs + durationMs) / 1000) * 4_000), make);
      for (const condition of rotated(CONDITIONS, round)) {
        let reading = condition !== 'none';
        let readsDone = 0;
        const reader = (async () => {
          while (reading) {
            const started = performance.now();
            await timedGet(url(largest, condition === 'history' ? 'history' : 'stats'));
            readsDone += 1;
            // A dashboard's pace: one read every 500 ms (none at all if a read takes longer).
            if (condition === 'paced') await sleep(Math.max(0, 500 - (performance.now() - started)));
          }
        })();
        let atStart = await server.sample(true);
        const load = await runLoad({
          port: server.port,
          connections: 10,
          warmupMs,
          durationMs,
          next: cursor(prebuilt, make).next,
          onWindowStart: async () => {
            atStart = await server.sample(true);
          },
        });
        reading = false;
        await reader;
        const atEnd = await server.sample(true);
        void atStart;
        const s = stall.get(condition) ?? { p99: [], rps: [], lag: [], reads: [] };
        s.p99.push(load.p99Ms);
        s.rps.push(load.rps);
        s.lag.push(atEnd.stallMaxMs);
        s.reads.push(readsDone);
        stall.set(condition, s);
      }
    }
    if (ctx.profile) {
      for (const endpoint of ['stats', 'history'] as const) {
        const path = await profiled(server, `readside-${endpoint}-10000`, async () => {
          for (let i = 0; i < 3; i++) await timedGet(url(largest, endpoint));
        });
        section.profiles.push(
          `Where the product's CPU goes in three \`/api/${endpoint}\` reads of 10,000 submissions (profiled apart): ${(await summarize(path)).join('\n')}`,
        );
      }
    }
  } finally {
    for (const store of stores) {
      await store.product?.stop();
      await rm(store.dir, { recursive: true, force: true });
    }
  }

  const wall = (size: number, endpoint: Endpoint): Spread =>
    spread(reads.get(`${size}:${endpoint}`)?.ms ?? []);
  for (const endpoint of ['stats', 'history'] as const) {
    const [small, , large] = SIZES.map((size) => wall(size, endpoint));
    const maxLag = Math.max(...SIZES.flatMap((size) => reads.get(`${size}:${endpoint}`)?.lagMaxMs ?? []));
    section.rows.push({
      what: `\`GET /api/${endpoint}\`, month of 10 / 1,000 / 10,000 submissions`,
      product: `${SIZES.map((size) => num(wall(size, endpoint).median)).join(' / ')} ms; server event loop held up to ${num(maxLag)} ms`,
      peer: '',
      ratio: `${ratio(large!.median, small!.median)} from 10 to 10,000`,
      goal: 'within 2× from 10 to 10,000',
      meets: large!.median <= 2 * small!.median,
    });
    const cpu = (size: number) => spread(reads.get(`${size}:${endpoint}`)?.cpuMs ?? []);
    const revalidated = (size: number) => spread(reads.get(`${size}:${endpoint}`)?.revalidatedMs ?? []);
    const statuses = [
      ...new Set(SIZES.flatMap((size) => [...(reads.get(`${size}:${endpoint}`)?.revalidatedStatuses ?? [])])),
    ];
    section.rows.push({
      what: `… the same: server CPU per read; and revalidated with its ETag (as the dashboard's browser), wall`,
      product: `CPU ${SIZES.map((size) => num(cpu(size).median)).join(' / ')} ms; revalidated ${SIZES.map((size) => num(revalidated(size).median)).join(' / ')} ms (status ${statuses.join(', ') || 'none'})`,
      peer: '',
      ratio: `CPU ${ratio(cpu(SIZES.at(-1)!).median, cpu(SIZES[0]!).median)}; revalidated ${ratio(revalidated(SIZES.at(-1)!).median, revalidated(SIZES[0]!).median)}`,
      goal: '',
    });
  }
  const st = (condition: string, pick: 'p99' | 'rps' | 'lag' | 'reads') =>
    spread(stall.get(condition)?.[pick] ?? []);
  const worst = Math.max(st('stats', 'p99').median, st('history', 'p99').median);
  const slowest = Math.min(st('stats', 'rps').median, st('history', 'rps').median);
  section.rows.push({
    what: 'ingress (10 connections) during a stats read every 500 ms, 10,000 submissions',
    product: `p99 ${num(st('paced', 'p99').median)} ms, ${num(st('paced', 'rps').median)} req/s; server event loop held up to ${num(st('paced', 'lag').median)} ms`,
    peer: `no reads: p99 ${num(st('none', 'p99').median)} ms, ${num(st('none', 'rps').median)} req/s`,
    ratio: `p99 ${ratio(st('paced', 'p99').median, st('none', 'p99').median)}, req/s ${ratio(st('paced', 'rps').median, st('none', 'rps').median)}`,
    goal: 'no stall: p99 ≤ 2× without reads',
    meets: st('paced', 'p99').median <= 2 * st('none', 'p99').median,
  });
  section.rows.push({
    what: 'ingress (10 connections) while stats / history are read back to back, 10,000 submissions',
    product: `p99 ${num(st('stats', 'p99').median)} / ${num(st('history', 'p99').median)} ms; ${num(st('stats', 'rps').median)} / ${num(st('history', 'rps').median)} req/s`,
    peer: `no reads: p99 ${num(st('none', 'p99').median)} ms, ${num(st('none', 'rps').median)} req/s`,
    ratio: `p99 ${ratio(st('stats', 'p99').median, st('none', 'p99').median)} / ${ratio(st('history', 'p99').median, st('none', 'p99').median)}`,
    goal: 'no stall: p99 ≤ 2× and req/s ≥ 0.5× without reads',
    meets: worst <= 2 * st('none', 'p99').median && slowest >= 0.5 * st('none', 'rps').median,
  });

  section.details.push(
    ...table(
      [
        'endpoint',
        'submissions',
        'wall ms',
        'server CPU ms',
        'longest event-loop stall ms',
        'answer KiB',
        'statuses',
      ],
      (['stats', 'history'] as const).flatMap((endpoint) =>
        SIZES.map((size) => {
          const r = reads.get(`${size}:${endpoint}`);
          return [
            `/api/${endpoint}`,
            size.toLocaleString('en-US'),
            withRange(spread(r?.ms ?? [])),
            withRange(spread(r?.cpuMs ?? [])),
            withRange(spread(r?.lagMaxMs ?? [])),
            num((r?.bytes ?? 0) / 1024),
            [...(r?.statuses ?? [])].join(', '),
          ];
        }),
      ),
    ),
    '',
    ...table(
      [
        'ingress at 10 connections, 10,000 submissions',
        'p99 ms',
        'req/s',
        'longest event-loop stall ms',
        'reads done',
      ],
      CONDITIONS.map((c) => [
        CONDITION_LABEL[c],
        withRange(st(c, 'p99')),
        withRange(st(c, 'rps')),
        withRange(st(c, 'lag')),
        withRange(st(c, 'reads')),
      ]),
    ),
  );
  section.notes.push(
    `Month ${month} (the current one, so /api/history computes it, no stored summary), its started weeks posted; members: ¼ of the submissions (50 to 2,500); ${perRound} reads per store and endpoint per round, one at a time, after a warm-up read of each.`,
    `Seeding (durable creates through the store API, 128 at a time): ${stores.map((s) => `${s.size}: ${num(s.seedMs / 1000)} s`).join(', ')}.`,
  );
  return section;
}
