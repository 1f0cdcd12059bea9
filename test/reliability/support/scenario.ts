/**
 * What every reliability scenario shares: a seeded random source (the seed is printed, so a failing run can be
 * replayed), a bounded-concurrency runner, polling with a deadline (liveness), and the figures table each
 * scenario prints.
 */
import type { MonthStats } from '../../../functions/app/monthStats.js';
import { getJson } from '../../support/localServer.js';

/** mulberry32: a small, fast, seedable PRNG; `random()` is in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of a scenario: RELIABILITY_SEED when set (to replay a run), else the scenario's fixed default. */
export function scenarioSeed(fallback: number): number {
  const fromEnv = Number(process.env.RELIABILITY_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : fallback;
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

export const pick = <T>(items: readonly T[], random: () => number): T =>
  items[Math.floor(random() * items.length)]!;

/** Runs `work` over `items` with at most `concurrency` at a time, in order of start. */
export async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns a value other than undefined; throws after `timeoutMs` with `what` and the
 * last value seen by `describe` (liveness: "within N minutes", never a timing assertion).
 */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${Math.round(timeoutMs / 1000)} s${lastError ? ` (last error: ${String(lastError)})` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Seconds since `startMs`, to one decimal, for the figures. */
export const secondsSince = (startMs: number) => `${((Date.now() - startMs) / 1000).toFixed(1)} s`;

export const ratio = (part: number, whole: number) =>
  whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)} %`;

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export type Figures = [label: string, value: string | number][];

/** Prints a scenario's figures as a small two-column table. */
export function printFigures(title: string, figures: Figures): void {
  const width = Math.max(...figures.map(([label]) => label.length));
  const lines = figures.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
  console.log([`\n== ${title} ==`, ...lines, ''].join('\n'));
}

export interface Expected {
  submissions: number;
  likes: number;
  /** weeks the member took part in */
  weeks: string[];
}

/** GET /api/stats for a month, failing on anything but 200. */
export async function monthStats(server: { url: string }, month: string): Promise<MonthStats> {
  const { status, body } = await getJson<MonthStats>(server, `/api/stats?month=${month}`);
  if (status !== 200) throw new Error(`/api/stats?month=${month}: ${status}`);
  return body;
}

/** Per member: submissions and likes as /api/stats reports them, over several months. */
export async function memberTotals(
  server: { url: string },
  months: string[],
): Promise<Map<string, { submissions: number; likes: number; weeks: string[] }>> {
  const totals = new Map<string, { submissions: number; likes: number; weeks: string[] }>();
  for (const month of months) {
    for (const m of (await monthStats(server, month)).members) {
      const t = totals.get(m.userId) ?? { submissions: 0, likes: 0, weeks: [] };
      totals.set(m.userId, {
        submissions: t.submissions + m.submissions,
        likes: t.likes + m.likes,
        weeks: [...t.weeks, ...m.weeks],
      });
    }
  }
  return totals;
}

/** The members whose figures differ from what was sent, for a readable failure: `U…: expected …, got …`. */
export function differences(
  expected: Map<string, Expected>,
  actual: Map<string, { submissions: number; likes: number; weeks: string[] }>,
): string[] {
  const problems: string[] = [];
  for (const [userId, want] of expected) {
    const got = actual.get(userId);
    const gotWeeks = [...(got?.weeks ?? [])].sort().join(',');
    const wantWeeks = [...want.weeks].sort().join(',');
    if (!got || got.submissions !== want.submissions || got.likes !== want.likes || gotWeeks !== wantWeeks) {
      problems.push(
        `${userId}: expected ${want.submissions} submissions, ${want.likes} likes, weeks [${wantWeeks}]; got ${
          got ? `${got.submissions}, ${got.likes}, [${gotWeeks}]` : 'nothing'
        }`,
      );
    }
  }
  for (const userId of actual.keys()) {
    if (!expected.has(userId)) problems.push(`${userId}: not sent, but in the stats`);
  }
  return problems;
}
