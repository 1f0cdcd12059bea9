/**
 * `npm run demo [-- --port N --dir PATH]`: the product on this machine with nothing to configure. In a fresh
 * directory (never the operator's DATA_DIR) it imports the original bot's 2024 months from the copy kept in the
 * repository, starts the local server in dry-run mode, plays the current month through the real signed Slack
 * ingress (weekly posts by admin ticks, replies, an edit, a delete, 👍 added and removed), checks that the stats
 * show what was played, and keeps the server in the foreground until Ctrl+C.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeError } from '../app/logger.js';
import type { MonthStats } from '../app/monthStats.js';
import { openStoreFor } from '../app/openStore.js';
import { loadConfig } from '../config.js';
import { weekOfInstant } from '../domain/calendar.js';
import { signSlackRequest } from '../slack/verifySignature.js';
import {
  buildDemoScenario,
  type DemoFigures,
  type DemoMember,
  type DemoScenario,
  demoEvents,
  expectedFigures,
} from './demoScenario.js';
import {
  createAbsentDocuments,
  type ImportPlan,
  parseTilBotExport,
  type TilBotExport,
  tilBotDocuments,
} from './importTilBot.js';

/** The channel of the demo's store; any channel id works, the import and the server only have to agree. */
const DEMO_CHANNEL = 'C0TIL2024';
const DEFAULT_PORT = 7071;
const STARTUP_TIMEOUT_MS = 60_000;
const IDLE_TIMEOUT_MS = 120_000;

const USAGE =
  'usage: npm run demo [-- [--port <port, 0 = any free one>] [--dir <new directory for the demo>]]';

class DemoError extends Error {}

/** A signal came: the server is stopping, and its exit ends the demo. */
let stopping = false;
/** The local server, once started: signals are passed on to it. */
let serverProcess: ChildProcess | undefined;

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/**
 * Ctrl+C and SIGTERM go to the server, which drains and stops; before there is one, the demo just ends. One Ctrl+C
 * can arrive twice (from the terminal, and passed on by npm): within a second it is one, so only a deliberate
 * second one makes the server exit without draining.
 */
function passSignalsToTheServer() {
  let lastForwardMs = 0;
  const forward = (signal: NodeJS.Signals) => {
    stopping = true;
    process.exitCode = 130;
    if (!serverProcess || !isRunning(serverProcess)) process.exit();
    if (Date.now() - lastForwardMs < 1000) return;
    lastForwardMs = Date.now();
    serverProcess.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  // The demo failing leaves no server behind (it drains and stops on its own).
  process.on('exit', () => {
    if (serverProcess && isRunning(serverProcess)) serverProcess.kill('SIGTERM');
  });
}

const here = fileURLToPath(import.meta.url);
/** Run from the sources under tsx (the tests) or built (dist/functions/tools/demo.js). */
const fromSources = here.endsWith('.ts');
const repoRoot = resolve(dirname(here), fromSources ? '../..' : '../../..');
const FIXTURE_DIR = join(repoRoot, 'test', 'tools', 'fixtures', 'til-bot-2024');

function parseCommandLine(argv: string[]): { port?: number; dir?: string } {
  let values: { port?: string; dir?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    throw new DemoError(`${describeError(error)}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new DemoError(`--port must be a port number 0–65535, got ${values.port}\n${USAGE}`);
  }
  return { port, dir: values.dir };
}

/** `<repo>/.demo/2026-12-01T19-44-43`, or the directory given, which must be new or empty. */
async function freshDemoDir(dir: string | undefined): Promise<string> {
  const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '-');
  const path = resolve(dir ?? join(repoRoot, '.demo', stamp));
  const existing = await readdir(path).catch(() => []);
  if (existing.length > 0) throw new DemoError(`${path} is not empty; the demo starts in a new directory`);
  await mkdir(path, { recursive: true });
  return path;
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

/** The fixture's members, those with the most replies in 2024 first: they are the demo's regulars. */
function membersByActivity(data: TilBotExport): DemoMember[] {
  const replies = new Map<string, number>();
  for (const reply of data.replies) replies.set(reply.author, (replies.get(reply.author) ?? 0) + 1);
  return [...data.members].sort(
    (a, b) => (replies.get(b.userId) ?? 0) - (replies.get(a.userId) ?? 0) || a.userId.localeCompare(b.userId),
  );
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, () => probe.close(() => done(true)));
  });
}

interface Server {
  child: ChildProcess;
  url: string;
}

/**
 * Starts the local server (what `npm start` runs) with exactly `env`, nothing inherited but PATH. Its output goes
 * to `log` (and, once `echo` is called, to this console too). In its own process group, so a Ctrl+C reaches it
 * once, forwarded by the demo.
 */
function startServer(
  env: Record<string, string>,
  log: NodeJS.WritableStream,
): Promise<Server & { echo(): void }> {
  const mainFile = join(repoRoot, fromSources ? 'functions/local/main.ts' : 'dist/functions/local/main.js');
  const args = fromSources ? ['--import', 'tsx', mainFile] : [mainFile];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  serverProcess = child;
  let echo = false;
  const output: string[] = [];
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(
        new DemoError(`the server did not start within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output.join('')}`),
      );
    }, STARTUP_TIMEOUT_MS);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      fail(new DemoError(`the server exited (${code}) before listening:\n${output.join('')}`));
    };
    child.once('exit', onExit);
    for (const [stream, console] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const) {
      stream?.on('data', (chunk: Buffer) => {
        log.write(chunk);
        if (echo) console.write(chunk);
        output.push(chunk.toString());
        const url = /listening on (http:\/\/localhost:\d+)/.exec(output.join(''))?.[1];
        if (url) {
          clearTimeout(timer);
          child.off('exit', onExit);
          output.length = 0;
          done({
            child,
            url,
            echo: () => {
              echo = true;
            },
          });
        }
      });
    }
  });
}

/** The few requests the demo makes to its server, the way Slack and an operator would. */
function client(url: string, secrets: { signingSecret: string; adminToken: string }) {
  async function json<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await fetch(`${url}${path}`, init);
    if (res.status !== 200)
      throw new DemoError(`${init?.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
  return {
    json,
    /** POST /api/slack/events, signed with the signing secret as Slack signs it. */
    async slackEvent(body: unknown) {
      const raw = JSON.stringify(body);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const res = await fetch(`${url}/api/slack/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': signSlackRequest(secrets.signingSecret, timestamp, raw),
        },
        body: raw,
      });
      if (res.status !== 200)
        throw new DemoError(`POST /api/slack/events: ${res.status} ${await res.text()}`);
    },
    tick: (now: string) =>
      json<{ weeklyPost: string }>('/api/admin/tick', {
        method: 'POST',
        headers: { authorization: `Bearer ${secrets.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ now }),
      }),
    stats: (month: string) => json<MonthStats>(`/api/stats?month=${month}`),
    async waitUntilIdle() {
      const deadline = Date.now() + IDLE_TIMEOUT_MS;
      for (;;) {
        const { pending } = await json<{ pending: number }>('/api/health');
        if (pending === 0) return;
        if (Date.now() > deadline) throw new DemoError(`the queue still holds ${pending} events`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** Each week: its weekly post (an admin tick at Monday POST_TIME), then its events into the thread just posted. */
async function play(api: ReturnType<typeof client>, scenario: DemoScenario, channel: string) {
  let counter = 0;
  const run = randomBytes(3).toString('hex').toUpperCase();
  const eventId = () => `Ev0DEMO${run}${String(++counter).padStart(5, '0')}`;
  for (const week of scenario.weeks) {
    const tick = await api.tick(week.tickAt);
    const threadTs = (await api.stats(scenario.month)).weeks.find((w) => w.key === week.week.key)?.threadTs;
    if (!threadTs)
      throw new DemoError(`the tick at ${week.tickAt} made no post for ${week.week.key}: ${tick.weeklyPost}`);
    for (const event of demoEvents(week, threadTs, channel, eventId)) await api.slackEvent(event);
  }
  await api.waitUntilIdle();
  return counter;
}

/** Where the stats differ from what the scenario implies (none, when the product works). */
function differences(stats: MonthStats, expected: DemoFigures): string[] {
  const problems: string[] = [];
  for (const week of expected.weeks) {
    const shown = stats.weeks.find((w) => w.key === week.key);
    if (!shown) problems.push(`${week.key} is not in /api/stats`);
    else if (shown.participants !== week.participants || shown.likes !== week.likes) {
      problems.push(
        `${week.key}: ${shown.participants} participants and ${shown.likes} likes, expected ${week.participants} and ${week.likes}`,
      );
    }
  }
  for (const [userId, member] of expected.members) {
    const shown = stats.members.find((m) => m.userId === userId);
    if (shown?.submissions !== member.submissions || shown.likes !== member.likes) {
      problems.push(
        `${userId}: ${shown?.submissions ?? 0} submissions and ${shown?.likes ?? 0} likes, expected ${member.submissions} and ${member.likes}`,
      );
    }
  }
  return problems;
}

async function main(argv: string[]) {
  const options = parseCommandLine(argv);
  passSignalsToTheServer();
  // 7071 unless it is taken (then any free port); a port asked for must be free.
  let wanted = options.port ?? DEFAULT_PORT;
  if (wanted !== 0 && !(await isPortFree(wanted))) {
    if (options.port !== undefined) {
      throw new DemoError(`port ${wanted} is in use; pick another with --port, or --port 0 for any free one`);
    }
    wanted = 0;
  }
  const dir = await freshDemoDir(options.dir);
  // Everything the app reads is set here: the operator's DATA_DIR, SLACK_BOT_TOKEN, COSMOS_* … play no part.
  const secrets = {
    signingSecret: randomBytes(24).toString('hex'),
    adminToken: randomBytes(24).toString('hex'),
  };
  const appEnv: Record<string, string> = {
    TIL_CHANNEL_ID: DEMO_CHANNEL,
    SLACK_SIGNING_SECRET: secrets.signingSecret,
    ADMIN_TOKEN: secrets.adminToken,
    DATA_DIR: join(dir, 'data'),
    SCHEDULER_INTERVAL_SECONDS: '0',
  };
  const config = loadConfig(appEnv);
  console.log(`TIL Challenge demo in ${dir}`);

  const data = parseTilBotExport(
    {
      tilTimestamp: await readJson(join(FIXTURE_DIR, 'til_timestamp.json')),
      userInfo: await readJson(join(FIXTURE_DIR, 'user_info.json')),
    },
    config.rules.timeZone,
  );
  const plan: ImportPlan = tilBotDocuments(data, { channel: config.channelId, rules: config.rules });
  const store = await openStoreFor(config);
  try {
    await createAbsentDocuments(store, plan.documents);
  } finally {
    await store.close();
  }
  const importedMonths = [...new Set(data.threads.map((t) => t.week.month))].sort();
  console.log(
    `  imported the original bot's ${importedMonths.length} months (${importedMonths[0]} … ${importedMonths.at(-1)}): ` +
      `${plan.counts.threads} weekly threads, ${plan.counts.replies} replies, ${plan.counts.likes} 👍, ` +
      `${plan.counts.members} members`,
  );

  const logPath = join(dir, 'server.log');
  const log = createWriteStream(logPath, { flags: 'a' });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ ...appEnv, PORT: String(wanted) }, log);
  } catch (error) {
    // 7071 was free a moment ago but taken since: any free port will do.
    if (options.port !== undefined || wanted === 0 || !String(error).includes('EADDRINUSE')) throw error;
    server = await startServer({ ...appEnv, PORT: '0' }, log);
  }
  const { child, url } = server;

  // From here on the demo lives as long as the server: its exit ends the demo.
  child.once('exit', (code, signal) => {
    console.log(
      `\nDemo stopped. Its store is kept in ${dir}\n  delete it with: rm -rf ${JSON.stringify(dir)}`,
    );
    process.exit(code ?? (signal ? 1 : 0));
  });

  const scenario = buildDemoScenario({
    nowMs: Date.now(),
    timeZone: config.rules.timeZone,
    postTime: config.postTime,
    members: membersByActivity(data),
  });
  const expected = expectedFigures(scenario);
  await writeFile(join(dir, 'scenario.json'), `${JSON.stringify(scenario, null, 2)}\n`);
  const api = client(url, secrets);
  console.log(`  playing ${scenario.month} through the signed Slack ingress, POST ${url}/api/slack/events …`);
  const sent = await play(api, scenario, config.channelId);
  if (stopping) return;
  const stats = await api.stats(scenario.month);
  const problems = differences(stats, expected);
  const months = await api.json<string[]>('/api/months');
  const dashboard = await fetch(`${url}/`).then(
    (res) => res.status === 200 && res.headers.get('content-type')?.startsWith('text/html'),
  );

  const thisWeek = weekOfInstant(scenario.nowMs, config.rules.timeZone).key;
  const demosDir = join(repoRoot, '.demo');
  const lines = [
    `  played ${scenario.weeks.length} weekly posts and ${sent} Slack events: replies with and without blog links,`,
    '  an edit that adds a link and a deleted reply each week, 👍 added and taken back',
    ...stats.weeks.map(
      (w) =>
        `    ${w.label}  ${String(w.participants).padStart(3)} participants  ${String(w.likes).padStart(3)} 👍` +
        (w.key === thisWeek ? '   (this week)' : ''),
    ),
    problems.length === 0
      ? '  /api/stats shows exactly what was played'
      : `  WARNING: /api/stats differs from what was played:\n${problems.map((p) => `    - ${p}`).join('\n')}`,
    '',
    'TIL Challenge demo is running, in DRY-RUN mode: nothing is sent to Slack.',
    '',
    dashboard ? `  Dashboard   ${url}/` : `  Dashboard   ${url}/  (not built: npm run build:web builds it)`,
    `  API         ${url}/api/months   (${months.join(', ')})`,
    `              ${url}/api/stats?month=${scenario.month}`,
    `              ${url}/api/history`,
    `              ${url}/api/health`,
    `  Demo dir    ${dir}`,
    "              data/ (store, queue), server.log (the server's output: the Slack messages it would have sent),",
    '              scenario.json (what was played), demo.env (its settings, to run it again with npm start)',
    '',
    `Stop it with Ctrl+C. The demo's store stays in the demo dir; delete it with: rm -rf ${JSON.stringify(dir)}`,
    ...(dirname(dir) === demosDir ? [`  (every demo: rm -rf ${JSON.stringify(demosDir)})`] : []),
    '',
    "The server's output from now on:",
  ];
  // The settings of this store, to run it again with npm start; the secrets are random, the demo's alone.
  const { SCHEDULER_INTERVAL_SECONDS: _playOnly, ...settings } = appEnv;
  await writeFile(
    join(dir, 'demo.env'),
    `${Object.entries(settings)
      .map(([name, value]) => `${name}=${value}`)
      .join('\n')}\n`,
  );
  console.log(lines.join('\n'));
  server.echo();
}

main(process.argv.slice(2)).catch((error) => {
  // Stopped with Ctrl+C while playing: the server's exit ends the demo.
  if (stopping) return;
  if (error instanceof DemoError) console.error(`npm run demo: ${error.message}`);
  else console.error('npm run demo failed:', error);
  process.exit(1);
});
