/**
 * The local server as `npm start` runs it: `node dist/functions/local/main.js`, the bundle scripts/bundleLocal.mjs
 * writes over tsc's output (npm test builds it first). What its start-up loads, and that it serves as the sources
 * do: the first event needs only the ingress, the rest of the services load once it listens.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import { type LocalServer, postSlackEvent, startLocalServer } from '../support/localServer.js';
import { reaction, tsAt } from '../support/slackPayloads.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const bundleDir = fileURLToPath(new URL('../../dist/functions/local', import.meta.url));

/** The files loading main.js loads before any of its code runs: it and the chunks it imports statically. */
async function startupSources(): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  const pending = ['main.js'];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (sources.has(file)) continue;
    const source = await readFile(join(bundleDir, file), 'utf8');
    sources.set(file, source);
    for (const [, chunk] of source.matchAll(/(?:from|import)\s*"\.\/(?:\.\.\/)?(chunks\/[^"]+)"/g)) {
      pending.push(chunk!);
    }
  }
  return sources;
}

let dataDir: TempDir | undefined;
let server: LocalServer | undefined;
let slack: FakeSlack | undefined;
afterEach(async () => {
  await server?.kill9();
  server = undefined;
  await slack?.close();
  slack = undefined;
  await dataDir?.remove();
});

describe('npm start’s bundled entry', () => {
  it('is one file plus chunks, and loads no SDK, Socket Mode, YAML parser or the rest of the services at start-up', async () => {
    expect(existsSync(join(bundleDir, 'main.js')), 'run npm run build:functions').toBe(true);
    const sources = await startupSources();
    const dynamicOnly = [
      ['@azure/cosmos', 'the Cosmos DB SDK'],
      ['login.microsoftonline.com', 'the identity SDK'],
      ['apps.connections.open', 'Socket Mode and the Web API'],
      ['Implicit keys need to be on a single line', 'the YAML parser'],
      ['views.publish', 'the services beyond the ingress (App Home)'],
    ];
    for (const [marker, what] of dynamicOnly) {
      const found = [...sources].filter(([, source]) => source.includes(marker!)).map(([file]) => file);
      expect(found, `${what} at start-up`).toEqual([]);
    }
    // …and they are in the bundle, loaded on first use.
    const main = sources.get('main.js')!;
    expect(main).toMatch(/import\("\.\/chunks\/services-[^"]+"\)/);
    expect(main).toMatch(/import\("\.\/chunks\/socketMode-[^"]+"\)/);
  });

  it('accepts a signed event, then serves the routes of the services it loads after listening, and stops cleanly', async () => {
    dataDir = await makeTempDir('bundled-main');
    server = await startLocalServer({ DATA_DIR: dataDir.path, LOG_LEVEL: 'warn' }, { built: true });
    const event = reaction({
      user: 'U0LIKER1',
      itemTs: tsAt('2026-11-30T10:00:00+09:00'),
      itemUser: 'U0AUTHOR1',
      eventTs: tsAt('2026-11-30T11:00:00+09:00'),
    });
    expect((await postSlackEvent(server, event)).status).toBe(200);
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ host: 'local' });
    const stats = await fetch(`${server.url}/api/stats?month=2026-11`);
    expect(stats.status).toBe(200);
    expect(await server.stop()).toBe(0);
    server = undefined;
  });

  it('calls Slack through the bundled Web API client (loaded on first use), as the sources do', async () => {
    dataDir = await makeTempDir('bundled-main-slack');
    slack = await startFakeSlack({ token: 'xoxb-bundled-0123456789' });
    server = await startLocalServer(
      {
        DATA_DIR: dataDir.path,
        LOG_LEVEL: 'warn',
        SLACK_BOT_TOKEN: 'xoxb-bundled-0123456789',
        SLACK_API_URL: slack.url,
      },
      { built: true },
    );
    // The start-up self-check: auth.test, then the channel; both answered ok by the fake.
    for (let i = 0; i < 200 && !slack.calls.some((c) => c.method === 'conversations.info'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const calls = slack.calls.filter((c) => ['auth.test', 'conversations.info'].includes(c.method));
    expect(calls.map((c) => [c.method, c.ok])).toEqual([
      ['auth.test', true],
      ['conversations.info', true],
    ]);
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as {
      slack?: { status?: string };
    };
    expect(health.slack?.status).not.toMatch(/unreachable|error/i);
  });
});
