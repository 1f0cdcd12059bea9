import type { Builds } from './build.js';

export interface BenchContext {
  quick: boolean;
  /** Alternating rounds per comparison (at least three). */
  rounds: number;
  builds: Builds;
  /** `--profile`: each section also profiles the product in one extra run (kept out of the figures). */
  profile: boolean;
  log(line: string): void;
}

/** Round r's order of the things compared: rotated, so none always goes first (or last). */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
