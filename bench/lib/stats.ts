/** Small numeric helpers: medians with their spread, percentiles, formatting. */

export interface Spread {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function spread(samples: number[]): Spread {
  const finite = samples.filter((x) => Number.isFinite(x));
  const sorted = [...finite].sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples };
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, samples };
}

/** The p-th percentile (0–100) of an ascending array, nearest rank. */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number {
  const n = sortedAscending.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
  return sortedAscending[rank]!;
}

const grouped = (x: number, digits: number) =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A number with a sensible number of digits for its size: 21,177 · 15.6 · 0.42. */
export function num(x: number, digits?: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (digits !== undefined) return grouped(x, digits);
  const abs = Math.abs(x);
  return grouped(x, abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
}

/** "1,895 (1,702–2,011)": the median with its min–max over the rounds. */
export function withRange(s: Spread, unit = '', digits?: number): string {
  if (!Number.isFinite(s.median)) return 'n/a';
  const range = s.samples.length > 1 ? ` (${num(s.min, digits)}–${num(s.max, digits)})` : '';
  return `${num(s.median, digits)}${unit}${range}`;
}

export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return 'n/a';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(1) : r >= 1 ? r.toFixed(2) : r.toFixed(3)}×`;
}

export const MiB = 1024 * 1024;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A seeded pseudo-random generator (mulberry32), so every run builds the same data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
