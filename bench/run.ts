/**
 * `npm run bench` (`-- --quick` for a run under two minutes; `--only=ingress,pipeline` for some sections;
 * `--profile` to add where the product's CPU time goes, from one extra profiled run per section; `--rounds=N`;
 * `--worktree` to measure the working tree instead of the last commit):
 * every comparison of issue 11 side by side in one run, in alternating rounds, medians with min–max. Nothing here
 * passes or fails; the figures and their ratios go to the console and to bench/results.md (--quick:
 * bench/results-quick.md).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { backlog } from './backlog.js';
import { coldStart } from './coldStart.js';
import { ingress } from './ingress.js';
import { buildAll, repoRoot } from './lib/build.js';
import type { BenchContext } from './lib/context.js';
import { loadProductModules } from './lib/productModules.js';
import { setProduct } from './lib/servers.js';
import { likeDms } from './likeDms.js';
import { micro } from './micro.js';
import { pipeline } from './pipeline.js';
import { readSide } from './readSide.js';
import { loadAverage, machine, newSection, render, type Section } from './report.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profile = args.includes('--profile');
const worktree = args.includes('--worktree');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const roundsArg = Number(args.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length));
const rounds = Math.max(3, Number.isFinite(roundsArg) ? roundsArg : quick ? 3 : 5);
const out =
  args.find((a) => a.startsWith('--out='))?.slice('--out='.length) ??
  join(repoRoot, 'bench', quick ? 'results-quick.md' : 'results.md');

const SECTIONS: { name: string; title: string; run: (ctx: BenchContext) => Promise<Section> }[] = [
  { name: 'ingress', title: 'Ingress', run: ingress },
  { name: 'coldstart', title: 'Cold start', run: coldStart },
  { name: 'pipeline', title: 'Pipeline', run: pipeline },
  { name: 'readside', title: 'Read side', run: readSide },
  { name: 'backlog', title: 'Backlog', run: backlog },
  { name: 'likedms', title: 'Like DMs', run: likeDms },
  { name: 'micro', title: 'In-process comparisons', run: micro },
];

const startedAt = new Date();
const loadBefore = loadAverage();
const log = (line: string) => console.error(line);
log(`bench: ${quick ? 'quick' : 'full'} run, ${rounds} rounds, load average ${loadBefore}`);
const builds = await buildAll(log, { worktree });
setProduct(builds.productMain, builds.sourceRoot);
await loadProductModules(builds);
const ctx: BenchContext = { quick, rounds, builds, profile, log };

const sections: Section[] = [];
for (const { name, title, run } of SECTIONS) {
  if (only && !only.includes(name)) continue;
  const began = performance.now();
  log(`bench: ${title}…`);
  let section: Section;
  try {
    section = await run(ctx);
  } catch (error) {
    // One broken comparison (a product change it did not expect) must not lose the others' figures.
    section = newSection(title);
    section.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`bench: ${title} failed: ${section.error}`);
  }
  section.seconds = (performance.now() - began) / 1000;
  sections.push(section);
}

const markdown = render({
  sections,
  quick,
  machine: machine(),
  startedAt,
  seconds: (Date.now() - startedAt.getTime()) / 1000,
  loadBefore,
  loadAfter: loadAverage(),
  rounds,
  notes: [`measured: the ${builds.source} (built into bench/.build)`, ...builds.notes],
});
await writeFile(out, markdown);
console.log(markdown);
log(`bench: written to ${out}`);
