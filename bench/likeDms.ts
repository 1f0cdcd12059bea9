/**
 * Like DMs: 500 members 👍 one submission (100 in --quick), LIKE_DM at its default, the fake Slack Web API
 * answering at once; the DMs its author gets are counted once the queue is empty, and again after an operator
 * tick 20 minutes later (so a batching window, LIKE_DM_MINUTES of 15 by default, has passed for the scheduler).
 */
import { rm } from 'node:fs/promises';
import type { BenchContext } from './lib/context.js';
import { newLikes } from './lib/events.js';
import { sendAll } from './lib/load.js';
import { dmsTo, monthFigures, startProduct } from './lib/product.js';
import { monthsUpTo, seedDataDir } from './lib/seed.js';
import { ADMIN_TOKEN, drained, tempDataDir } from './lib/servers.js';
import { num, sleep } from './lib/stats.js';
import { newSection, type Section, table } from './report.js';

export async function likeDms(ctx: BenchContext): Promise<Section> {
  const likes = ctx.quick ? 100 : 500;
  const section = newSection(`Like DMs: ${likes} 👍 on one post`);
  const template = await tempDataDir('til-bench-dm-template');
  const month = monthsUpTo(1)[0]!;
  const seeded = await seedDataDir(template, {
    months: [month],
    submissionsPerMonth: 1,
    members: likes + 1,
    likesPerSubmission: 0,
  });
  const author = seeded.submissions[0]!.author;
  const product = await startProduct({ template, fakeSlack: true });
  const { server, slack } = product;
  try {
    const { requests } = newLikes(seeded, likes);
    const start = performance.now();
    const sent = await sendAll(server.port, requests, 50);
    await drained(server, 15 * 60_000, 20);
    const processedMs = performance.now() - start;
    await sleep(1_000);
    const atDrain = dmsTo(slack!, author);
    const tickAt = new Date(Date.now() + 20 * 60_000).toISOString();
    const tick = await fetch(`${server.url}/api/admin/tick`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ now: tickAt }),
    });
    await tick.arrayBuffer();
    await drained(server, 60_000, 20);
    await sleep(1_000);
    const afterTick = dmsTo(slack!, author);
    const counted = (await monthFigures(server, month)).likes;
    ctx.log(
      `  like DMs: ${atDrain} DMs at drain, ${afterTick} after a tick 20 min later, ${counted} likes counted`,
    );
    section.rows.push({
      what: `like DMs to one author for ${likes} 👍 on one post (LIKE_DM default)`,
      product: `${afterTick} DMs (${atDrain} once the queue was empty)`,
      peer: '',
      ratio: `${num(afterTick / likes, 2)} per 👍`,
      goal: 'at most one per submission per LIKE_DM_MINUTES (15)',
      meets: afterTick <= Math.ceil(processedMs / (15 * 60_000)) + 1,
    });
    section.details.push(
      ...table(
        ['', ''],
        [
          ['👍 sent (50 connections)', likes],
          [
            'answers',
            Object.entries(sent.statuses)
              .map(([s, n]) => `${s}: ${n}`)
              .join(', '),
          ],
          ['processed in', `${num(processedMs / 1000)} s`],
          ['DMs to the author once the queue was empty (+1 s)', atDrain],
          [`DMs after the tick at ${tickAt} (status ${tick.status})`, afterTick],
          ['likes /api/stats counts', counted],
          ['Slack calls in all', slack!.calls.length],
        ],
      ),
    );
  } finally {
    await product.stop();
    await rm(template, { recursive: true, force: true });
  }
  return section;
}
