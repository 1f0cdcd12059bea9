/**
 * What a stats and a history read cost on the Cosmos DB adapter, counted as the requests the real `@azure/cosmos`
 * client makes to `@vercel/cosmosdb-server` (the emulator charges every request 1 RU, so RU cannot be told apart
 * there; the request count can). Cosmos DB gives no partition version, so nothing is kept between reads: each
 * read costs the same fixed number of requests, whatever the month's size, and is answered from them alone.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDryRunSlack } from '../../functions/adapters/slack/dryRunSlack.js';
import { createCosmosStore } from '../../functions/adapters/store/cosmosStore.js';
import type { Store } from '../../functions/adapters/store/store.js';
import { submissionDocument, type WeekDoc, weekDocIdentity } from '../../functions/app/documents.js';
import { loadConfig } from '../../functions/config.js';
import { weekByKey } from '../../functions/domain/calendar.js';
import { applyEvent } from '../../functions/domain/submission.js';
import { createServices } from '../../functions/services.js';
import {
  baseEnv,
  CHANNEL,
  capturedLog,
  recordingQueue,
  request,
  responseJson,
  tsAt,
} from '../handlers/helpers.js';
import { type CosmosTestServer, startCosmosServer } from '../support/cosmosServer.js';

const ZONE = 'Asia/Seoul';
const WEEK = weekByKey('2026-11-W3', ZONE);
const THREAD = tsAt('2026-11-16T09:00:00+09:00', 100);

let server: CosmosTestServer;
/** Requests the emulator received, by kind. */
let seen: string[] = [];
beforeAll(async () => {
  server = await startCosmosServer();
  server.httpServer.on('request', (req) => {
    const plan = req.headers['x-ms-cosmos-is-query-plan-request'] !== undefined;
    const kind = plan
      ? 'plan'
      : req.headers['x-ms-documentdb-isquery'] === 'true'
        ? 'query'
        : `${req.method}`;
    seen.push(`${kind} ${req.url}`);
  });
});
afterAll(async () => {
  await server?.close();
});

async function monthOf(submissions: number): Promise<Store> {
  const store = await createCosmosStore({
    endpoint: server.endpoint,
    key: server.key,
    agent: server.agent,
    database: `db-${randomUUID()}`,
    container: 'til',
    createIfNotExists: true,
  });
  const posted: WeekDoc = {
    ...weekDocIdentity(CHANNEL, WEEK),
    status: 'posted',
    claimedAt: '2026-11-16T00:00:00.000Z',
    claimExpiresAt: '2026-11-16T00:00:00.000Z',
    threadTs: THREAD,
    threadUrl: 'https://example.slack.com/archives/C/p1',
    postedAt: '2026-11-16T00:00:00.000Z',
  };
  await store.create(posted);
  for (let i = 0; i < submissions; i++) {
    const ts = tsAt('2026-11-17T10:00:00+09:00', i + 1);
    const state = applyEvent(
      undefined,
      {
        kind: 'message_posted',
        eventId: `Ev${i}`,
        eventTs: ts,
        channel: CHANNEL,
        ts,
        threadTs: THREAD,
        user: `U0M${String(i).padStart(4, '0')}`,
        content: { text: '<https://velog.io/@me/til>', blockUrls: [], versionTs: ts },
      },
      { config: loadConfig(baseEnv).rules, threadWeek: WEEK },
    );
    await store.create(submissionDocument(CHANNEL, '2026-11', state, []));
  }
  return store;
}

/** The requests one read makes, and what it answered. */
async function costOf(store: Store, path: '/api/stats' | '/api/history') {
  const services = createServices(loadConfig(baseEnv), {
    store,
    queue: recordingQueue(),
    slack: createDryRunSlack(() => {}),
    log: capturedLog(),
    now: () => Date.parse('2026-11-26T12:00:00+09:00'),
  });
  const get = () =>
    (path === '/api/stats' ? services.stats : services.history)(
      request({ method: 'GET', path, query: path === '/api/stats' ? { month: '2026-11' } : undefined }),
    );
  await get();
  seen = [];
  const response = await get();
  const count = (kind: string) => seen.filter((line) => line.startsWith(`${kind} `)).length;
  return {
    requests: {
      queries: count('query'),
      queryPlans: count('plan'),
      others: seen.length - count('query') - count('plan'),
    },
    body: responseJson(response),
  };
}

describe('read side on Cosmos DB', () => {
  it('a stats read is five queries (weeks, submissions, passes, week rules, names), 10 or 300 submissions', async () => {
    const small = await costOf(await monthOf(10), '/api/stats');
    const large = await costOf(await monthOf(300), '/api/stats');
    // The SDK asks the gateway for each query's plan first (no RU, one round trip).
    expect(small.requests).toEqual({ queries: 5, queryPlans: 5, others: 0 });
    expect(large.requests).toEqual(small.requests);
    expect((large.body as { members: unknown[] }).members).toHaveLength(300);
  });

  it('a history read of one open month is its stats queries plus months, summaries and its award (a point read)', async () => {
    const { requests, body } = await costOf(await monthOf(10), '/api/history');
    expect(requests).toEqual({ queries: 7, queryPlans: 7, others: 1 });
    expect((body as { months: { submissions: number }[] }).months[0]?.submissions).toBe(10);
  });
});
