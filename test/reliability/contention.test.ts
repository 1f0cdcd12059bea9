import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createCosmosStore } from '../../functions/adapters/store/cosmosStore.js';
import { type CosmosTestServer, startCosmosServer } from '../support/cosmosServer.js';
import { postSlackEvent } from '../support/localServer.js';
import { reaction, reply, tsAt } from '../support/slackPayloads.js';
import { type FakeIdentity, startFakeIdentity } from './support/fakeIdentity.js';
import { drained, postWeek, type Rig, startRig } from './support/rig.js';
import {
  inPool,
  monthStats,
  printFigures,
  scenarioSeed,
  secondsSince,
  seededRandom,
  shuffled,
} from './support/scenario.js';
import { readLedger } from './support/slackLedger.js';

/**
 * Contention: 500 members 👍 one submission, then 250 of them take it back; all 750 events are shuffled and sent
 * at once, so removals often arrive before their add. The count must be exactly 250 (each reaction's latest
 * `event_ts` wins). On the file store the same 500 members also react to a submission in another month, so two
 * sessions write the members' documents at the same time. Then the same against Cosmos DB (the
 * `@vercel/cosmosdb-server` emulator, through the product's own COSMOS_ENDPOINT path: DefaultAzureCredential
 * served by a loopback managed-identity endpoint, no key, no test-only code in the product). Like DMs are off:
 * this scenario is about counts (the retry storm and the crash scenarios count DMs).
 */
const SEED = scenarioSeed(500250);
const LIKERS = 500;
const REMOVERS = 250;
const CONCURRENCY = 100;
const POSTS = [
  {
    monday: '2026-10-26T09:00:00+09:00',
    month: '2026-10',
    key: '2026-10-W4',
    author: 'U0AUTHOCT',
    replyAt: '2026-10-27T10:00:00+09:00',
    likeAt: '2026-10-28T10:00:00+09:00',
    unlikeAt: '2026-10-29T10:00:00+09:00',
  },
  {
    monday: '2026-11-23T09:00:00+09:00',
    month: '2026-11',
    key: '2026-11-W4',
    author: 'U0AUTHNOV',
    replyAt: '2026-11-24T10:00:00+09:00',
    likeAt: '2026-11-25T10:00:00+09:00',
    unlikeAt: '2026-11-26T10:00:00+09:00',
  },
];

interface Outcome {
  likes: Record<string, number>;
  answers: Map<number, number>;
  doubledDms: string[];
  sentIn: string;
  processedIn: string;
}

type Post = (typeof POSTS)[number];

async function contend(rig: Rig, random: () => number, posts: readonly Post[]): Promise<Outcome> {
  const { server } = rig;
  const events: ReturnType<typeof reaction>[] = [];
  for (const post of posts) {
    const threadTs = await postWeek(server, post.monday, post.month, post.key);
    const ts = tsAt(post.replyAt, 1);
    const res = await postSlackEvent(
      server,
      reply({ user: post.author, ts, threadTs, text: `<https://velog.io/@${post.author}/contention>` }),
    );
    expect(res.status).toBe(200);
    const likers = Array.from({ length: LIKERS }, (_, i) => `U0LIKE${String(i).padStart(4, '0')}`);
    likers.forEach((user, i) => {
      events.push(reaction({ user, itemTs: ts, itemUser: post.author, eventTs: tsAt(post.likeAt, i + 1) }));
    });
    shuffled(likers, random)
      .slice(0, REMOVERS)
      .forEach((user, i) => {
        events.push(
          reaction({
            user,
            itemTs: ts,
            itemUser: post.author,
            eventTs: tsAt(post.unlikeAt, i + 1),
            added: false,
            name: i % 2 ? 'thumbsup' : '+1::skin-tone-2',
          }),
        );
      });
  }
  const answers = new Map<number, number>();
  const started = Date.now();
  await inPool(shuffled(events, random), CONCURRENCY, async (event) => {
    const res = await postSlackEvent(server, event);
    answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
    await res.arrayBuffer();
  });
  const sentIn = secondsSince(started);
  await drained(server, 5 * 60_000);
  const processedIn = secondsSince(started);
  const likes: Record<string, number> = {};
  for (const post of posts) {
    const stats = await monthStats(server, post.month);
    likes[post.author] = stats.members.find((m) => m.userId === post.author)?.likes ?? 0;
  }
  return { likes, answers, doubledDms: readLedger(rig.slack.calls).doubled, sentIn, processedIn };
}

function report(
  title: string,
  posts: readonly Post[],
  outcome: Outcome,
  extra: [string, string | number][] = [],
) {
  printFigures(title, [
    ['seed', SEED],
    [`events (${posts.length} post(s) × (500 likes + 250 removes))`, posts.length * (LIKERS + REMOVERS)],
    ['concurrent senders', CONCURRENCY],
    ['answers', [...outcome.answers].map(([status, n]) => `${status}: ${n}`).join(', ')],
    ...posts.map((p): [string, string] => [
      `likes counted on ${p.month} post`,
      `${outcome.likes[p.author]} / 250`,
    ]),
    ['doubled DMs', outcome.doubledDms.length],
    ['sent in', outcome.sentIn],
    ['processed in', outcome.processedIn],
    ...extra,
  ]);
}

function expectExactly250(posts: readonly Post[], outcome: Outcome) {
  expect([...outcome.answers.keys()], 'every event answered 200').toEqual([200]);
  for (const post of posts) expect(outcome.likes[post.author], `${post.month} post`).toBe(LIKERS - REMOVERS);
  expect(outcome.doubledDms).toEqual([]);
}

describe('contention: 500 concurrent likes, then 250 removes, shuffled', () => {
  const rigs: Rig[] = [];
  let cosmos: CosmosTestServer | undefined;
  let identity: FakeIdentity | undefined;
  afterAll(async () => {
    for (const rig of rigs) await rig.close();
    await identity?.close();
    await cosmos?.close();
  });

  it('embedded file store: exactly 250', async () => {
    const rig = await startRig({ name: 'contention-file', env: { LIKE_DM: 'off' } });
    rigs.push(rig);
    const outcome = await contend(rig, seededRandom(SEED), POSTS);
    report('contention (embedded file store)', POSTS, outcome);
    expectExactly250(POSTS, outcome);
  });

  it('Cosmos DB (emulator, through COSMOS_ENDPOINT and the managed identity): exactly 250', async () => {
    cosmos = await startCosmosServer();
    identity = await startFakeIdentity();
    const database = `til-${randomUUID()}`;
    // The product opens an existing container (infra/ creates it); here the test creates it, with the key.
    const setup = await createCosmosStore({
      endpoint: cosmos.endpoint,
      key: cosmos.key,
      agent: cosmos.agent,
      database,
      container: 'challenge',
      createIfNotExists: true,
    });
    await setup.close();
    const rig = await startRig({
      name: 'contention-cosmos',
      env: {
        LIKE_DM: 'off',
        COSMOS_ENDPOINT: `${cosmos.endpoint}/`,
        COSMOS_DATABASE: database,
        COSMOS_CONTAINER: 'challenge',
        // The emulator's certificate is self-signed; only this child process trusts it.
        NODE_TLS_REJECT_UNAUTHORIZED: '0',
        ...identity.env,
      },
    });
    rigs.push(rig);
    expect(rig.server.output.join('\n')).toContain(`Cosmos DB ${cosmos.endpoint}`);
    // One post here: the emulator is slow (it runs in this test process), and one post is the scenario.
    const posts = POSTS.slice(1);
    const outcome = await contend(rig, seededRandom(SEED), posts);
    report('contention (Cosmos DB emulator)', posts, outcome, [
      ['identity tokens issued', identity.requests()],
    ]);
    expectExactly250(posts, outcome);
  });
});
