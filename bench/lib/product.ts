/** The product started on a copy of a seeded store, optionally against the fake Slack Web API. */
import { rm } from 'node:fs/promises';
import type { FakeSlack } from '../../test/support/fakeSlack.js';
import { product } from './productModules.js';
import { copyDataDir } from './seed.js';
import { getJson, type ServerChild, startServer, tempDataDir } from './servers.js';

export const BOT_TOKEN = 'xoxb-bench-0123456789';

export interface RunningProduct {
  server: ServerChild;
  slack?: FakeSlack;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startProduct(options: {
  template?: string;
  dataDir?: string;
  fakeSlack?: boolean;
  env?: Record<string, string>;
}): Promise<RunningProduct> {
  const dataDir = options.dataDir ?? (await tempDataDir('til-bench-product'));
  const ownDir = options.dataDir === undefined;
  if (options.template) await copyDataDir(options.template, dataDir);
  const slack = options.fakeSlack
    ? await product().fakeSlack.startFakeSlack({ token: BOT_TOKEN })
    : undefined;
  const env = {
    ...(slack ? { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slack.url } : {}),
    ...options.env,
  };
  try {
    const server = await startServer('product', { dataDir, env });
    return {
      server,
      slack,
      dataDir,
      async stop() {
        await server.kill();
        await slack?.close();
        if (ownDir) await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await slack?.close();
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export interface MonthFigures {
  status: number;
  submissions: number;
  likes: number;
  members: number;
}

/** A month's totals as /api/stats reports them. */
export async function monthFigures(server: { url: string }, month: string): Promise<MonthFigures> {
  const { status, body } = await getJson<{ members?: { submissions: number; likes: number }[] }>(
    server,
    `/api/stats?month=${month}`,
  );
  const members = body.members ?? [];
  return {
    status,
    submissions: members.reduce((sum, m) => sum + m.submissions, 0),
    likes: members.reduce((sum, m) => sum + m.likes, 0),
    members: members.length,
  };
}

/** DMs the fake Slack received for `user` (chat.postMessage to the DM channel conversations.open gave). */
export const dmsTo = (slack: FakeSlack, user: string) =>
  slack.calls.filter(
    (c) =>
      c.method === 'chat.postMessage' && c.ok && (c.args.channel === `D${user}` || c.args.channel === user),
  ).length;

export const allDms = (slack: FakeSlack) =>
  slack.calls.filter(
    (c) => c.method === 'chat.postMessage' && c.ok && /^[DU]/.test(String(c.args.channel ?? '')),
  ).length;
