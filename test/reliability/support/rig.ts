/**
 * A scenario's world: the fake Slack Web API on loopback, a fresh DATA_DIR, and the server started against them
 * (directly, or through the chaos proxy). Restartable on the same DATA_DIR, as an operator would after a crash.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFailed } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../support/fakeSlack.js';
import { getJson, tick } from '../../support/localServer.js';
import { makeTempDir, type TempDir } from '../../support/tempDir.js';
import { eventually } from './scenario.js';
import { type ServerProcess, type StartOutcome, startServer, tryStartServer } from './server.js';

export const BOT_TOKEN = 'xoxb-reliability-0123456789';

export interface Rig {
  slack: FakeSlack;
  dir: TempDir;
  server: ServerProcess;
  /** The server's environment (DATA_DIR, Slack URL and token included). */
  env: Record<string, string>;
  /** Starts the server again on the same DATA_DIR (after kill9 or stop). */
  restart(extraEnv?: Record<string, string>): Promise<ServerProcess>;
  /** Like restart, but reports a refusal to start instead of throwing; `args` go to the server's command line. */
  tryRestart(extraEnv?: Record<string, string>, args?: string[]): Promise<StartOutcome>;
  /** Writes every server's output so far (all starts) to a file under the OS temp dir; returns its path. */
  saveOutput(): Promise<string>;
  close(): Promise<void>;
}

export async function startRig(options: {
  name: string;
  env?: Record<string, string>;
  /** Slack's clock for the ts of the bot's own posts. */
  slackNow?: () => number;
  /** The URL the app calls Slack at (a chaos proxy in front of the fake); the fake's own by default. */
  slackUrl?: (fake: FakeSlack) => Promise<string> | string;
}): Promise<Rig> {
  const slack = await startFakeSlack({ token: BOT_TOKEN, now: options.slackNow });
  const dir = await makeTempDir(`til-reliability-${options.name}`);
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: options.slackUrl ? await options.slackUrl(slack) : slack.url,
    DATA_DIR: dir.path,
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const outputs: string[][] = [];
  const rig: Rig = {
    slack,
    dir,
    env,
    server: await startServer(env),
    async restart(extraEnv = {}) {
      rig.server = await startServer({ ...env, ...extraEnv });
      outputs.push(rig.server.output);
      return rig.server;
    },
    async tryRestart(extraEnv = {}, args = []) {
      const outcome = await tryStartServer({ ...env, ...extraEnv }, args);
      if (outcome.started) rig.server = outcome.server;
      outputs.push(outcome.started ? outcome.server.output : outcome.output);
      return outcome;
    },
    async saveOutput() {
      const path = join(tmpdir(), `til-reliability-${options.name}-${Date.now()}.log`);
      const text = outputs.map((lines, n) => [`--- server start ${n + 1}`, ...lines].join('\n')).join('\n');
      await writeFile(path, `${text}\n`);
      return path;
    },
    async close() {
      if (rig.server.alive()) await rig.server.kill9();
      await slack.close();
      await dir.remove();
    },
  };
  outputs.push(rig.server.output);
  // A failing scenario keeps what its servers printed, for the post-mortem.
  onTestFailed(async () => {
    console.log(`server output kept at ${await rig.saveOutput()}`);
  });
  return rig;
}

/** Queue depth as /api/health reports it. */
export async function pendingCount(server: { url: string }): Promise<number> {
  const { body } = await getJson<{ pending: number }>(server, '/api/health');
  return body.pending;
}

/** Waits (liveness bound) until the embedded queue has nothing pending: processed or dead-lettered. */
export async function drained(server: { url: string }, timeoutMs: number): Promise<void> {
  await eventually('the queue drains', timeoutMs, async () =>
    (await pendingCount(server)) === 0 ? true : undefined,
  );
}

/** Posts the weekly thread of the week of `mondayIso` (an operator tick) and returns its ts. */
export async function postWeek(
  server: { url: string },
  mondayIso: string,
  month: string,
  weekKey: string,
): Promise<string> {
  await tick(server, mondayIso);
  return eventually(`weekly post ${weekKey} recorded`, 30_000, async () => {
    const { body } = await getJson<{ weeks: { key: string; threadTs: string }[] }>(
      server,
      `/api/stats?month=${month}`,
    );
    return body.weeks.find((w) => w.key === weekKey && w.threadTs)?.threadTs;
  });
}
