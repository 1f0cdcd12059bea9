/**
 * Pipeline: 👍 end to end (signed HTTP ingress → embedded queue → processor → file store, with the fake Slack Web
 * API answering at once and LIKE_DM at its default), from the first request sent until /api/health reports
 * nothing pending; every 👍 is a new like by a member the store already knows, on one month's replies (one queue
 * session) or spread over 12 months (12 sessions). Against raw durable writes of the same store's kind in the
 * same file system: write a temp file, fsync, rename, fsync the directory, by one writer and by eight in
 * parallel, of a document the size of a submission. Wall time and CPU time (the server's, the writers').
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchContext, rotated } from './lib/context.js';
import { newLikes } from './lib/events.js';
import { sendAll } from './lib/load.js';
import { allDms, monthFigures, startProduct } from './lib/product.js';
import { profiled, summarize } from './lib/profile.js';
import { monthsUpTo, type Seeded, seedDataDir, seedDocuments } from './lib/seed.js';
import { drained, procIo, tempDataDir } from './lib/servers.js';
import { num, ratio, type Spread, sleep, spread, withRange } from './lib/stats.js';
import { newSection, type Section, table } from './report.js';

interface Run {
  perSecond: number;
  cpuMsPer: number;
  wallMs: number;
  bytesPer?: number;
  dmsPer?: number;
  slackCallsPer?: number;
  likesCounted?: string;
  statuses?: string;
}

/** A submission document as the store holds it, with 25 👍: what one raw write writes. */
function sampleDocument(): string {
  const { documents } = seedDocuments({
    months: monthsUpTo(1),
    submissionsPerMonth: 1,
    members: 30,
    likesPerSubmission: 25,
  });
  const doc = documents.find((d) => d.type === 'submission');
  return JSON.stringify({ doc, etag: randomUUID() });
}

async function syncDir(dir: string) {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `writers` loops of durable replaces for `durationMs`; writes per second and CPU ms per write (this process). */
async function rawWrites(writers: number, durationMs: number, content: string): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'til-bench-raw-'));
  try {
    const cpu0 = process.cpuUsage();
    const io0 = await procIo(process.pid);
    const start = performance.now();
    const end = start + durationMs;
    let writes = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; performance.now() < end; i++) {
          const path = join(dir, `doc-${w}-${i % 16}.json`);
          const temp = `${path}.${randomUUID()}.tmp`;
          const file = await open(temp, 'wx');
          try {
            await file.writeFile(content, 'utf8');
            await file.sync();
          } finally {
            await file.close();
          }
          await rename(temp, path);
          await syncDir(dir);
          writes += 1;
        }
      }),
    );
    const wallMs = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    const io1 = await procIo(process.pid);
    return {
      perSecond: writes / (wallMs / 1000),
      cpuMsPer: (cpu.user + cpu.system) / 1000 / writes,
      wallMs,
      bytesPer: io0 && io1 ? (io1.writeBytes - io0.writeBytes) / writes : undefined,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function productLikes(
  template: { dir: string; seeded: Seeded },
  events: number,
  profileAs?: string,
): Promise<Run & { profile?: string }> {
  const product = await startProduct({ template: template.dir, fakeSlack: true });
  const { server, slack } = product;
  try {
    await sleep(200);
    const { requests, perMonth } = newLikes(template.seeded, events);
    const expected = new Map(
      [...perMonth].map(([month, n]) => [
        month,
        n +
          template.seeded.submissions
            .filter((s) => s.month === month)
            .reduce((sum, s) => sum + s.likers.size, 0),
      ]),
    );
    const before = await server.sample(true);
    const io0 = await procIo(server.pid);
    const callsBefore = slack!.calls.length;
    const start = performance.now();
    let sent: Awaited<ReturnType<typeof sendAll>> | undefined;
    const work = async () => {
      sent = await sendAll(server.port, requests, 50);
      await drained(server, 15 * 60_000, 20);
    };
    let profile: string | undefined;
    if (profileAs) profile = await profiled(server, profileAs, work);
    else await work();
    const wallMs = performance.now() - start;
    const after = await server.sample(true);
    const io1 = await procIo(server.pid);
    let counted = 0;
    let wanted = 0;
    for (const [month, n] of expected) {
      counted += (await monthFigures(server, month)).likes;
      wanted += n;
    }
    return {
      perSecond: events / (wallMs / 1000),
      cpuMsPer: (after.cpuUs - before.cpuUs) / 1000 / events,
      wallMs,
      bytesPer: io0 && io1 ? (io1.writeBytes - io0.writeBytes) / events : undefined,
      dmsPer: allDms(slack!) / events,
      slackCallsPer: (slack!.calls.length - callsBefore) / events,
      likesCounted: counted === wanted ? `${counted} (all)` : `${counted} of ${wanted}`,
      profile,
      statuses: Object.entries(sent?.statuses ?? {})
        .map(([s, n]) => `${s}: ${n}`)
        .join(', '),
    };
  } finally {
    await product.stop();
  }
}

export async function pipeline(ctx: BenchContext): Promise<Section> {
  const section = newSection('Pipeline: 👍 end to end vs raw durable writes');
  const events = ctx.quick ? 60 : 600;
  const rawMs = ctx.quick ? 500 : 4_000;
  const content = sampleDocument();
  const members = Math.max(400, Math.ceil(events / 20) + 20);
  const templates = {
    one: { dir: await tempDataDir('til-bench-pipe1') } as { dir: string; seeded: Seeded },
    twelve: { dir: await tempDataDir('til-bench-pipe12') } as { dir: string; seeded: Seeded },
  };
  templates.one.seeded = await seedDataDir(templates.one.dir, {
    months: monthsUpTo(1),
    submissionsPerMonth: 40,
    members,
    likesPerSubmission: 2,
  });
  templates.twelve.seeded = await seedDataDir(templates.twelve.dir, {
    months: monthsUpTo(12),
    submissionsPerMonth: 20,
    members,
    likesPerSubmission: 2,
  });
  const runs = { raw1: [] as Run[], raw8: [] as Run[], month1: [] as Run[], month12: [] as Run[] };
  try {
    for (let round = 0; round < ctx.rounds; round++) {
      for (const what of rotated(['raw1', 'month1', 'raw8', 'month12'] as const, round)) {
        const run =
          what === 'raw1'
            ? await rawWrites(1, rawMs, content)
            : what === 'raw8'
              ? await rawWrites(8, rawMs, content)
              : await productLikes(what === 'month1' ? templates.one : templates.twelve, events);
        runs[what].push(run);
        ctx.log(
          `  pipeline round ${round + 1} ${what}: ${num(run.perSecond)} /s, ${num(run.cpuMsPer)} ms CPU each`,
        );
      }
    }
    if (ctx.profile) {
      for (const [name, template] of [
        ['one month', templates.one],
        ['12 months', templates.twelve],
      ] as const) {
        const { profile } = await productLikes(template, events, `pipeline-${name.replace(' ', '-')}`);
        if (profile)
          section.profiles.push(
            `Where the product's CPU goes, 👍 end to end over ${name} (one extra profiled run): ${(await summarize(profile)).join('\n')}`,
          );
      }
    }
  } finally {
    await rm(templates.one.dir, { recursive: true, force: true });
    await rm(templates.twelve.dir, { recursive: true, force: true });
  }
  const s = (list: Run[], pick: (r: Run) => number | undefined): Spread =>
    spread(list.map((r) => pick(r) ?? Number.NaN));
  const rate = (list: Run[]) => s(list, (r) => r.perSecond);
  const cpu = (list: Run[]) => s(list, (r) => r.cpuMsPer);
  section.rows.push(
    {
      what: '👍 end to end, one month (ingress → queue → processor → store, fake Slack at once)',
      product: `${withRange(rate(runs.month1), ' /s')}; CPU ${num(cpu(runs.month1).median)} ms/event`,
      peer: `one durable writer (write, fsync, rename, fsync dir): ${withRange(rate(runs.raw1), ' /s')}; CPU ${num(cpu(runs.raw1).median)} ms/write`,
      ratio: ratio(rate(runs.month1).median, rate(runs.raw1).median),
      goal: '≥ 0.5× raw durable writes',
      meets: rate(runs.month1).median >= 0.5 * rate(runs.raw1).median,
    },
    {
      what: 'same over 12 months (12 queue sessions)',
      product: `${withRange(rate(runs.month12), ' /s')}; CPU ${num(cpu(runs.month12).median)} ms/event`,
      peer: `eight writers: ${withRange(rate(runs.raw8), ' /s')}; CPU ${num(cpu(runs.raw8).median)} ms/write`,
      ratio: `${ratio(rate(runs.month12).median, rate(runs.raw8).median)} eight writers; ${ratio(rate(runs.month12).median, rate(runs.month1).median)} one month`,
      goal: 'more with more months',
      meets: rate(runs.month12).median > rate(runs.month1).median,
    },
  );
  const row = (label: string, list: Run[], unit: string) => [
    label,
    withRange(rate(list)),
    unit,
    withRange(
      s(list, (r) => r.wallMs / 1000),
      ' s',
    ),
    withRange(cpu(list)),
    withRange(s(list, (r) => (r.bytesPer === undefined ? undefined : r.bytesPer / 1024))),
    withRange(s(list, (r) => r.dmsPer)),
    withRange(s(list, (r) => r.slackCallsPer)),
    list.map((r) => r.likesCounted ?? '').join(' · ') || '',
    [...new Set(list.map((r) => r.statuses ?? ''))].join(' · '),
  ];
  section.details.push(
    ...table(
      [
        'what',
        'per second',
        'of',
        'wall',
        'CPU ms each',
        'KiB to disk each',
        'DMs each',
        'Slack calls each',
        'likes counted (per round)',
        'ingress answers',
      ],
      [
        row(`product, one month (${events} 👍)`, runs.month1, '👍'),
        row(`product, 12 months (${events} 👍)`, runs.month12, '👍'),
        row('raw, one writer', runs.raw1, 'writes'),
        row('raw, eight writers', runs.raw8, 'writes'),
      ],
    ),
  );
  section.notes.push(
    `Seeded: one month of 40 replies, or 12 months of 20 replies each; ${members} members with fresh names (no users.info), 2 existing 👍 per reply. Each product run starts fresh on a copy, with its own fake Slack; ${events} new 👍 sent by 50 connections, timed until the queue is empty.`,
    `Raw writes: a ${(Buffer.byteLength(content) / 1024).toFixed(1)} KiB document (a submission with 25 👍) replacing 16 files per writer, for ${rawMs / 1000} s, in the bench process (its CPU is the bench's, the fake Slack idle meanwhile). KiB to disk: /proc/<pid>/io write_bytes (the journal, documents and their metadata as the kernel counts them).`,
    '"likes counted" reads /api/stats after the run: the seeded 👍 plus the new ones, which says every event was processed and none twice.',
  );
  return section;
}
