/**
 * Backlog: 30,000 signed 👍 (10,000 in --quick) sent to the product as fast as it acks them (50 connections),
 * far faster than it processes them, so they pile up in the embedded queue. Sampled every 250 ms meanwhile and
 * for a few seconds after: the queue depth (/api/health), the server's RSS and its longest event-loop stall
 * (bench/probe.mjs). One run: there is no peer to alternate with.
 */
import { rm } from 'node:fs/promises';
import type { BenchContext } from './lib/context.js';
import { build, likeChurn } from './lib/events.js';
import { sendAll } from './lib/load.js';
import { startProduct } from './lib/product.js';
import { monthsUpTo, seedDataDir } from './lib/seed.js';
import { getJson, tempDataDir } from './lib/servers.js';
import { MiB, num, sleep } from './lib/stats.js';
import { newSection, type Section, table } from './report.js';

export async function backlog(ctx: BenchContext): Promise<Section> {
  const events = ctx.quick ? 8_000 : 30_000;
  const section = newSection(`Backlog: ${events.toLocaleString('en-US')} queued events`);
  const template = await tempDataDir('til-bench-backlog-template');
  const seeded = await seedDataDir(template, {
    months: monthsUpTo(1),
    submissionsPerMonth: 20,
    members: 200,
    likesPerSubmission: 0,
  });
  const product = await startProduct({ template });
  const { server } = product;
  const samples: { atMs: number; pending: number; rss: number; lagMaxMs: number }[] = [];
  try {
    const requests = build(events, likeChurn(seeded));
    await sleep(300);
    const idle = await server.sample(true);
    const start = performance.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(250);
        const [probe, health] = await Promise.all([
          server.sample(true),
          getJson<{ pending?: number }>(server, '/api/health').catch(() => ({
            body: { pending: Number.NaN },
          })),
        ]);
        samples.push({
          atMs: performance.now() - start,
          pending: health.body.pending ?? Number.NaN,
          rss: probe.rss,
          lagMaxMs: probe.stallMaxMs,
        });
      }
    })();
    const sent = await sendAll(server.port, requests, 50);
    const acceptedMs = performance.now() - start;
    await sleep(ctx.quick ? 1_500 : 3_000);
    sampling = false;
    await sampler;
    const maxPending = Math.max(...samples.map((s) => s.pending).filter(Number.isFinite));
    const peakRss = Math.max(...samples.map((s) => s.rss));
    const maxStall = Math.max(...samples.map((s) => s.lagMaxMs));
    const last = samples.at(-1);
    const statuses = Object.entries(sent.statuses)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
    ctx.log(
      `  backlog: ${events} accepted in ${num(acceptedMs / 1000)} s, max pending ${maxPending}, peak RSS ${num(peakRss / MiB)} MiB, max stall ${num(maxStall)} ms`,
    );
    section.rows.push({
      what: `backlog of ${events.toLocaleString('en-US')} events sent at once (max ${maxPending.toLocaleString('en-US')} pending seen)`,
      product: `peak RSS ${num(peakRss / MiB)} MiB, longest event-loop stall ${num(maxStall)} ms`,
      peer: `idle RSS ${num(idle.rss / MiB)} MiB`,
      ratio: `${ratio(peakRss, idle.rss)} idle RSS`,
      goal:
        events >= 30_000 ? 'RSS < 300 MiB, no stall > 50 ms' : 'RSS < 300 MiB, no stall > 50 ms (at 30,000)',
      meets: peakRss < 300 * MiB && maxStall <= 50,
    });
    section.details.push(
      ...table(
        ['', ''],
        [
          ['events sent (50 connections)', events.toLocaleString('en-US')],
          ['answers', statuses],
          [
            'all answered after',
            `${num(acceptedMs / 1000)} s (${num(events / (acceptedMs / 1000))} events/s acked)`,
          ],
          ['most pending seen', maxPending.toLocaleString('en-US')],
          [
            `pending ${ctx.quick ? 1.5 : 3} s after the last answer`,
            (last?.pending ?? Number.NaN).toLocaleString('en-US'),
          ],
          [
            'RSS idle → peak → last',
            `${num(idle.rss / MiB)} → ${num(peakRss / MiB)} → ${num((last?.rss ?? 0) / MiB)} MiB`,
          ],
          ['longest event-loop stall (any 250 ms sample)', `${num(maxStall)} ms`],
          [
            'samples with a stall over 50 ms',
            `${samples.filter((s) => s.lagMaxMs > 50).length} of ${samples.length}`,
          ],
        ],
      ),
    );
    section.notes.push(
      'The same seeded month and 👍 churn as the ingress section (dry run, LIKE_DM at its default); the processor works through the queue meanwhile, so the backlog is what the acks outran.',
    );
  } finally {
    await product.stop();
    await rm(template, { recursive: true, force: true });
  }
  return section;
}

function ratio(a: number, b: number) {
  return `${(a / b).toFixed(1)}×`;
}
