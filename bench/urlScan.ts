/**
 * `npx tsx bench/urlScan.ts`: URL extraction from reply text is linear. For each hostile text shape it times a
 * 40,000-character text (Slack's maximum, the baseline) and one three times as long, in the same run, and prints
 * the ratio: about 3 for a linear scan (the regular expression it replaced gave about 9 on the dots). Nothing
 * here passes or fails.
 */
import { performance } from 'node:perf_hooks';
import { urlsInText } from '../functions/domain/links.js';

const shapes: Record<string, (n: number) => string> = {
  'dots in a bare URL': (n) => `http://a${'.'.repeat(n - 9)}x`,
  'trailing punctuation': (n) => `https://a/${'.,;:!?)'.repeat(Math.floor(n / 7))}`,
  'unclosed markup': (n) => `<${'a'.repeat(n - 1)}`,
  'schemes without a URL': (n) => 'https:'.repeat(Math.floor(n / 6)),
  'short URLs': (n) => 'http://a. '.repeat(Math.floor(n / 10)),
  'Korean reply with links': (n) =>
    '오늘 배운 것 <https://velog.io/@me/til|글> 정리 https://me.github.io/x. '.repeat(Math.floor(n / 60)),
};

function msPerScan(text: string): number {
  const started = performance.now();
  urlsInText(text);
  return performance.now() - started;
}

/** Alternates baseline and variant after a warm-up of both, and keeps the medians. */
function compare(baselineText: string, variantText: string, rounds = 15) {
  for (let i = 0; i < 5; i++) msPerScan(baselineText) + msPerScan(variantText);
  const baseline: number[] = [];
  const variant: number[] = [];
  for (let i = 0; i < rounds; i++) {
    baseline.push(msPerScan(baselineText));
    variant.push(msPerScan(variantText));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { baseline: median(baseline), variant: median(variant) };
}

const SLACK_MAX = 40_000;
console.log('URL scan: 40,000 characters (baseline) vs 120,000 (variant); linear ≈ 3×');
for (const [name, make] of Object.entries(shapes)) {
  const { baseline, variant } = compare(make(SLACK_MAX), make(3 * SLACK_MAX));
  console.log(
    `  ${name.padEnd(26)} ${baseline.toFixed(2).padStart(8)} ms  ${variant.toFixed(2).padStart(8)} ms  ` +
      `ratio ${(variant / baseline).toFixed(1)}`,
  );
}
