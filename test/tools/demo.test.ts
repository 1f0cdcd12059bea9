/**
 * `npm run demo` as a new user runs it, from the sources under tsx: in a demo dir of its own, with an operator's
 * settings in the environment that it must ignore. What it serves is checked through the HTTP API against the
 * scenario it played (scenario.json in the demo dir).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonthStats } from '../../functions/app/monthStats.js';
import {
  type DemoScenario,
  expectedFigures,
  replyCounts,
  replyLikes,
} from '../../functions/tools/demoScenario.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const IMPORTED_MONTHS = ['2024-11', '2024-10', '2024-09', '2024-08', '2024-07'];
const READY_TIMEOUT_MS = 60_000;

interface Demo {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

/** `node --import tsx functions/tools/demo.ts …args` with exactly `env` (plus PATH). */
function runDemo(args: string[], env: Record<string, string>): Demo {
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/tools/demo.ts', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

/** The dashboard URL the demo prints once the month is played. */
async function dashboardUrl(demo: Demo): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const match = /Dashboard\s+(http:\/\/localhost:\d+)\//.exec(demo.output.join(''));
    if (match?.[1]) return match[1];
    if (demo.child.exitCode !== null) throw new Error(`the demo exited early:\n${demo.output.join('')}`);
    if (Date.now() > deadline) throw new Error(`no dashboard URL printed:\n${demo.output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm run demo', () => {
  let tmp: TempDir;
  let demoDir: string;
  let operatorDataDir: string;
  let demo: Demo;
  let url: string;
  let scenario: DemoScenario;

  const getJson = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    tmp = await makeTempDir('til-demo');
    demoDir = join(tmp.path, 'demo');
    operatorDataDir = join(tmp.path, 'operator-data');
    // An operator's own settings: had the demo passed any of them on, it would write there or call out.
    demo = runDemo(['--dir', demoDir, '--port', '0'], {
      DATA_DIR: operatorDataDir,
      TIL_CHANNEL_ID: 'C0OPERATOR',
      SLACK_BOT_TOKEN: 'xoxb-the-operators-own-token',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      SLACK_SIGNING_SECRET: 'the-operators-signing-secret',
      COSMOS_ENDPOINT: 'https://operator.documents.azure.com:443/',
      SERVICEBUS_NAMESPACE: 'operator.servicebus.windows.net',
      TIME_ZONE: 'America/New_York',
    });
    url = await dashboardUrl(demo);
    scenario = JSON.parse(await readFile(join(demoDir, 'scenario.json'), 'utf8')) as DemoScenario;
  }, READY_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    if (demo && demo.child.exitCode === null) {
      demo.child.kill('SIGTERM');
      await demo.exited;
    }
    await tmp?.remove();
  });

  it("lists the original bot's five 2024 months and the current month, newest first", async () => {
    expect(await getJson<string[]>('/api/months')).toEqual([scenario.month, ...IMPORTED_MONTHS]);
    const november2024 = await getJson<MonthStats>('/api/stats?month=2024-11');
    expect(november2024.weeks.map((w) => w.key)).toEqual([
      '2024-11-W1',
      '2024-11-W2',
      '2024-11-W3',
      '2024-11-W4',
    ]);
  });

  it('shows every played week of the current month with the participants and likes the scenario implies', async () => {
    const expected = expectedFigures(scenario);
    const stats = await getJson<MonthStats>(`/api/stats?month=${scenario.month}`);
    expect(stats.weeks.map((w) => w.key)).toEqual(scenario.weeks.map((w) => w.week.key));
    expect(stats.weeks.map(({ key, participants, likes }) => ({ key, participants, likes }))).toEqual(
      expected.weeks.map(({ key, participants, likes }) => ({ key, participants, likes })),
    );
    for (const week of stats.weeks) {
      expect(week.participants, week.key).toBeGreaterThan(0);
      expect(week.likes, week.key).toBeGreaterThan(0);
    }
    expect(
      Object.fromEntries(stats.members.map((m) => [m.userId, [m.weeks, m.submissions, m.likes]])),
    ).toEqual(
      Object.fromEntries(
        [...expected.members].map(([userId, m]) => [userId, [m.weeks, m.submissions, m.likes]]),
      ),
    );
  });

  it('counts the reply whose link came with an edit, not the deleted one, and no taken-back like', async () => {
    const stats = await getJson<MonthStats>(`/api/stats?month=${scenario.month}`);
    const weeksOf = (userId: string) => stats.members.find((m) => m.userId === userId)?.weeks ?? [];
    const played = scenario.weeks.flatMap(({ week, replies }) => replies.map((reply) => ({ week, reply })));
    const edited = played.filter(({ reply }) => reply.edit);
    const deleted = played.filter(({ reply }) => reply.deletedTs);
    expect(edited.length).toBeGreaterThan(0);
    expect(deleted.length).toBeGreaterThan(0);
    for (const { week, reply } of edited) {
      // Posted without an accepted link: only the edit makes the member take part, likes given before it included.
      expect(reply.linked).toBe(false);
      expect(weeksOf(reply.author)).toContain(week.key);
      expect(replyLikes(reply)).toBeGreaterThan(0);
    }
    for (const { week, reply } of deleted) {
      expect(reply.linked).toBe(true);
      const otherCounted = scenario.weeks
        .find((w) => w.week.key === week.key)!
        .replies.some((r) => r !== reply && r.author === reply.author && replyCounts(r));
      if (!otherCounted) expect(weeksOf(reply.author)).not.toContain(week.key);
    }
    expect(played.some(({ reply }) => reply.likes.some((like) => like.removedTs))).toBe(true);
  });

  it("shows members by the imported names, never by their ids, though the dry run knows no one's name", async () => {
    const stats = await getJson<MonthStats>(`/api/stats?month=${scenario.month}`);
    expect(stats.members.length).toBeGreaterThanOrEqual(6);
    for (const member of stats.members) expect(member.name).toMatch(/^멤버\d{2}$/);
  });

  it("ran in dry run on its own directory: the operator's DATA_DIR is untouched", async () => {
    expect(existsSync(operatorDataDir)).toBe(false);
    const log = await readFile(join(demoDir, 'server.log'), 'utf8');
    expect(log).toContain('DRY-RUN');
    expect(log).toContain('[dry-run] chat.postMessage #C0TIL2024');
    expect(log).toContain(`data in ${join(demoDir, 'data')}`);
    expect(demo.output.join('')).toContain(`Demo dir    ${demoDir}`);
  });

  it('stops on SIGTERM, passing it to the server, and exits 0', async () => {
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
    const output = demo.output.join('');
    expect(output).toContain('SIGTERM: draining in-flight work');
    expect(output).toContain(`Demo stopped. Its store is kept in ${demoDir}`);
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
  });

  it('refuses a demo dir that is not empty', async () => {
    const used = join(tmp.path, 'used');
    await mkdir(used);
    await writeFile(join(used, 'something'), 'x');
    const refused = runDemo(['--dir', used, '--port', '0'], {});
    expect(await refused.exited).toBe(1);
    expect(refused.output.join('')).toContain(`${used} is not empty`);
  });
});
