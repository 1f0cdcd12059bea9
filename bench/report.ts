/**
 * The bench's report: one summary table in the issue's shape (what · product · peer in the same run · ratio ·
 * goal), then each section's details. The same markdown is printed and written to bench/results.md.
 */
import { execSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Row {
  what: string;
  product: string;
  peer: string;
  ratio: string;
  /** The issue's goal for this figure, and whether this run meets it (undefined: not judged). */
  goal?: string;
  meets?: boolean;
}

export interface Section {
  title: string;
  rows: Row[];
  /** Markdown lines: tables of every measurement behind the rows. */
  details: string[];
  /** `--profile`: where the product's CPU time went (bench/lib/profile.ts). */
  profiles: string[];
  notes: string[];
  error?: string;
  seconds?: number;
}

export function newSection(title: string): Section {
  return { title, rows: [], details: [], profiles: [], notes: [] };
}

/** A markdown table from a header and rows of cells. */
export function table(header: string[], rows: (string | number)[][]): string[] {
  const cell = (c: string | number) => String(c).replace(/\|/g, '\\|');
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  commit: string;
  dirty: boolean;
}

export function machine(): Machine {
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    dirty = execSync('git status --porcelain --untracked-files=no', { encoding: 'utf8' }).trim() !== '';
  } catch {
    // Not a git checkout: the commit stays unknown.
  }
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    commit,
    dirty,
  };
}

export const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

export function render(options: {
  sections: Section[];
  quick: boolean;
  machine: Machine;
  startedAt: Date;
  seconds: number;
  loadBefore: string;
  loadAfter: string;
  rounds: number;
  notes: string[];
}): string {
  const { sections, machine: m } = options;
  const verdict = (row: Row) => (row.meets === undefined ? '' : row.meets ? 'meets' : '**short**');
  const lines = [
    `# Bench results${options.quick ? ' (--quick)' : ''}`,
    '',
    `- date: ${options.startedAt.toISOString()} (${options.seconds.toFixed(0)} s)`,
    `- machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, node ${m.node}`,
    `- load average (1/5/15 min): ${options.loadBefore} before, ${options.loadAfter} after — other work shares this machine, so the figures are noisy; only ratios within one run compare`,
    `- checkout at ${m.commit}${m.dirty ? ' with uncommitted changes' : ''}`,
    `- mode: ${options.quick ? 'quick (short windows, fewer events)' : 'full'}; ${options.rounds} alternating rounds; figures are medians with (min–max) over the rounds`,
    ...options.notes.map((n) => `- ${n}`),
    '',
    '## Summary',
    '',
    ...table(
      ['what', 'product', 'peer in the same run', 'ratio', 'goal (issue 11)', ''],
      sections.flatMap((s) =>
        s.rows.map((r) => [r.what, r.product, r.peer, r.ratio, r.goal ?? '', verdict(r)]),
      ),
    ),
    '',
  ];
  for (const section of sections) {
    lines.push(`## ${section.title}${section.seconds ? ` (${section.seconds.toFixed(0)} s)` : ''}`, '');
    if (section.error) lines.push(`**This section failed:** \`${section.error.split('\n')[0]}\``, '');
    if (section.details.length) lines.push(...section.details, '');
    for (const note of section.notes) lines.push(`- ${note}`);
    if (section.notes.length) lines.push('');
    for (const profile of section.profiles) lines.push(profile, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
