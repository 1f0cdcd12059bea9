/**
 * Dead letters kept and replayable on both hosts (SPEC 9), through the one service over each host's box: the
 * embedded queue's journal, and in Azure the store's copies (Cosmos DB via the emulator) replayed through the
 * Service Bus sender (over the fake SDK boundary, consumed by the test stand-in for the Functions host).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterBox } from '../../functions/adapters/queue/deadLetterBox.js';
import { createEmbeddedDeadLetterBox } from '../../functions/adapters/queue/embeddedDeadLetterBox.js';
import { openEmbeddedQueue } from '../../functions/adapters/queue/embeddedQueue.js';
import type { QueueConsumer, QueueSender, ReceivedMessage } from '../../functions/adapters/queue/queue.js';
import { createServiceBusSender } from '../../functions/adapters/queue/serviceBusSender.js';
import { createCosmosStore } from '../../functions/adapters/store/cosmosStore.js';
import type { Store } from '../../functions/adapters/store/store.js';
import type { AdminAlerts } from '../../functions/app/adminAlerts.js';
import { createDeadLetters, replayMessageId } from '../../functions/app/deadLetters.js';
import type { DeadLetterDoc } from '../../functions/app/documents.js';
import type { EventProcessor } from '../../functions/app/eventProcessor.js';
import { consoleLogger } from '../../functions/app/logger.js';
import { createStoredDeadLetterBox } from '../../functions/app/storedDeadLetterBox.js';
import { createProcessEventHandler } from '../../functions/handlers/processEvent.js';
import { type CosmosTestServer, startCosmosServer } from '../support/cosmosServer.js';
import { FakeServiceBus } from '../support/fakeServiceBus.js';
import { createServiceBusSessionConsumer } from '../support/serviceBusSessionConsumer.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const CHANNEL = 'C0TIL';
const MAX_DELIVERIES = 2;

/**
 * The consumer's state, idempotent like the real event processor's: applying a key twice changes nothing.
 * `poisoned` keys fail (so they are dead-lettered) until healed.
 */
function idempotentApplier() {
  const applied = new Map<string, string>();
  const deliveries: string[] = [];
  const poisoned = new Set<string>();
  return {
    applied,
    deliveries,
    poisoned,
    async handle(message: ReceivedMessage) {
      const { key } = message.body as { key: string };
      deliveries.push(message.messageId);
      if (poisoned.has(key)) throw new Error(`poisoned ${key}`);
      if (!applied.has(key)) applied.set(key, message.messageId);
    },
  };
}

interface Host {
  sender: QueueSender;
  box: DeadLetterBox;
  /** Resolves once every delivery so far has settled (and dead letters are kept). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

let cosmos: CosmosTestServer;
beforeAll(async () => {
  cosmos = await startCosmosServer();
});
afterAll(async () => {
  await cosmos?.close();
});

/** A fresh database on the emulator, so tests never see each other's documents. */
const cosmosStore = () =>
  createCosmosStore({
    endpoint: cosmos.endpoint,
    key: cosmos.key,
    agent: cosmos.agent,
    database: `db-${randomUUID()}`,
    container: 'til',
    createIfNotExists: true,
  });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function embeddedHost(
  app: ReturnType<typeof idempotentApplier>,
  dir?: TempDir,
): Promise<Host & { dir: TempDir }> {
  const tmp = dir ?? (await makeTempDir('dead-letters'));
  if (!dir) cleanups.push(() => tmp.remove());
  const queue = await openEmbeddedQueue(tmp.path, {
    duplicateDetectionWindowMs: 600_000,
    maxDeliveryCount: MAX_DELIVERIES,
    maxConcurrentSessions: 4,
    retryDelayMs: 5,
  });
  queue.start(app.handle, async () => {});
  return {
    dir: tmp,
    sender: queue,
    box: createEmbeddedDeadLetterBox(queue),
    settle: () => queue.idle(),
    close: () => queue.close(),
  };
}

/** A wait for a condition that other work makes true; never decides a pass by itself (the expectations do). */
async function until(condition: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 2_000 && !(await condition()); i++) await new Promise((r) => setTimeout(r, 5));
}

async function azureHost(app: ReturnType<typeof idempotentApplier>): Promise<Host & { store: Store }> {
  const store = await cosmosStore();
  const bus = new FakeServiceBus({
    queueName: 'events',
    duplicateDetectionWindowMs: 600_000,
    maxDeliveryCount: MAX_DELIVERIES,
    acceptTimeoutMs: 20,
  });
  const sender = createServiceBusSender(bus.createSender('events'));
  // The dead-letter function as functions/index.ts runs it: the real handler copies the letter into the store.
  const told: string[] = [];
  const alerts = {
    admins: 1,
    deadLettered: async ({ eventId }: { eventId: string }) => {
      told.push(eventId);
      return 1;
    },
  } as unknown as AdminAlerts;
  const handler = createProcessEventHandler({
    processor: {} as EventProcessor,
    alerts,
    store,
    channelId: CHANNEL,
    log: consoleLogger('error'),
    now: Date.now,
  });
  const consumer: QueueConsumer = createServiceBusSessionConsumer(bus, 'events', {
    maxConcurrentSessions: 2,
    sessionIdleTimeoutMs: 20,
    errorDelayMs: 10,
  });
  let inFlight = 0;
  consumer.start(
    async (message) => {
      inFlight++;
      try {
        await app.handle(message);
      } finally {
        inFlight--;
      }
    },
    (message, reason) => handler.deadLettered({ ...message, reason }),
  );
  const box = createStoredDeadLetterBox({ store, channelId: CHANNEL, now: Date.now });
  return {
    store,
    sender,
    box,
    async settle() {
      await until(async () => inFlight === 0 && bus.deadLetterMessageIds().length === 0);
    },
    async close() {
      await consumer.stop();
      await sender.close();
      await store.close();
    },
  };
}

/** Sends a message that fails every delivery, and waits until the host keeps it as a dead letter. */
async function deadLettered(
  host: Host,
  app: ReturnType<typeof idempotentApplier>,
  messageId: string,
  key: string,
) {
  app.poisoned.add(key);
  await host.sender.send(message(messageId, key));
  await until(async () => (await host.box.list()).some((l) => l.messageId === messageId));
}

const message = (messageId: string, key: string, sessionId = '2026-11') => ({
  messageId,
  sessionId,
  body: { key },
  contentType: 'application/json',
});

describe.each([
  ['embedded queue (journal)', embeddedHost],
  ['Azure (store copies + Service Bus sender)', azureHost],
] as const)('dead letters on %s', (_name, makeHost) => {
  it('keeps a dead letter, replays it once through the queue in its session, and forgets it', async () => {
    const app = idempotentApplier();
    const host = await makeHost(app);
    cleanups.push(() => host.close());
    app.poisoned.add('reply-1');
    await host.sender.send(message('Ev1', 'reply-1'));
    await host.sender.send(message('Ev2', 'reply-2'));
    await until(async () => (await host.box.list()).length === 1);
    await host.settle();
    const service = createDeadLetters({ box: host.box, queue: host.sender });
    const [kept] = await service.list();
    expect(kept).toMatchObject({
      messageId: 'Ev1',
      sessionId: '2026-11',
      body: { key: 'reply-1' },
      deliveries: expect.any(Number),
    });
    expect(app.deliveries.filter((id) => id === 'Ev1')).toHaveLength(MAX_DELIVERIES);

    app.poisoned.clear();
    expect(await service.replay('Ev1')).toEqual({ ok: true, messageId: 'Ev1', replayedAs: 'replay:1:Ev1' });
    await until(() => app.applied.has('reply-1'));
    await host.settle();
    expect(app.applied.get('reply-1')).toBe('replay:1:Ev1');
    expect(app.deliveries.filter((id) => id === 'replay:1:Ev1')).toHaveLength(1);
    expect(await service.list()).toEqual([]);
    expect(await service.replay('Ev1')).toEqual({ ok: false, messageId: 'Ev1', reason: 'not_found' });
  });

  it('a replay sent twice (a retry, a crash before the dead letter was forgotten) is delivered once', async () => {
    const app = idempotentApplier();
    const host = await makeHost(app);
    cleanups.push(() => host.close());
    await deadLettered(host, app, 'Ev3', 'reply-3');
    app.poisoned.clear();
    const [kept] = await host.box.list();
    // The crash: the replay was sent, the dead letter not yet forgotten; the admin replays it again.
    await host.sender.send({ ...message(replayMessageId('Ev3'), 'reply-3'), body: kept!.body });
    const service = createDeadLetters({ box: host.box, queue: host.sender });
    expect(await service.replayAll()).toEqual([{ ok: true, messageId: 'Ev3', replayedAs: 'replay:1:Ev3' }]);
    await until(() => app.applied.has('reply-3'));
    await host.settle();
    expect(app.deliveries.filter((id) => id === 'replay:1:Ev3')).toHaveLength(1);
  });

  it('a replay that fails again is dead-lettered under its replay id and replayed as the next one', async () => {
    const app = idempotentApplier();
    const host = await makeHost(app);
    cleanups.push(() => host.close());
    await deadLettered(host, app, 'Ev4', 'reply-4');
    const service = createDeadLetters({ box: host.box, queue: host.sender });
    await service.replay('Ev4');
    await until(async () => (await host.box.list()).some((l) => l.messageId === 'replay:1:Ev4'));
    app.poisoned.clear();
    expect(await service.replayAll()).toEqual([
      { ok: true, messageId: 'replay:1:Ev4', replayedAs: 'replay:2:Ev4' },
    ]);
    await until(() => app.applied.has('reply-4'));
    expect(app.applied.get('reply-4')).toBe('replay:2:Ev4');
  });

  it('discard forgets a dead letter without replaying it', async () => {
    const app = idempotentApplier();
    const host = await makeHost(app);
    cleanups.push(() => host.close());
    await deadLettered(host, app, 'Ev5', 'reply-5');
    const service = createDeadLetters({ box: host.box, queue: host.sender });
    expect(await service.discard('Ev5')).toBe(true);
    expect(await service.list()).toEqual([]);
    expect(await service.discard('Ev5')).toBe(false);
    expect(app.applied.has('reply-5')).toBe(false);
  });
});

describe('embedded dead letters across a restart', () => {
  it('a kept dead letter and its removal are both durable in the journal', async () => {
    const app = idempotentApplier();
    const first = await embeddedHost(app);
    app.poisoned.add('a');
    app.poisoned.add('b');
    await first.sender.send(message('EvA', 'a'));
    await first.sender.send(message('EvB', 'b', '2026-12'));
    await until(async () => (await first.box.list()).length === 2);
    await first.settle();
    await createDeadLetters({ box: first.box, queue: first.sender }).discard('EvA');
    await first.close();

    const again = idempotentApplier();
    const second = await embeddedHost(again, first.dir);
    cleanups.push(() => second.close());
    const kept = await second.box.list();
    expect(kept.map((l) => [l.messageId, l.sessionId])).toEqual([['EvB', '2026-12']]);
  });
});

describe('replayMessageId', () => {
  it('counts replays of one original, never reusing the original id', () => {
    expect(replayMessageId('Ev1')).toBe('replay:1:Ev1');
    expect(replayMessageId('replay:1:Ev1')).toBe('replay:2:Ev1');
    expect(replayMessageId('replay:9:thread-recorded:1.2')).toBe('replay:10:thread-recorded:1.2');
  });
});

describe('stored dead letters', () => {
  it('list what the dead-letter function kept (body, session, reason) and mark, not delete, what is resolved', async () => {
    const store = await cosmosStore();
    cleanups.push(() => store.close());
    const doc: DeadLetterDoc = {
      id: 'deadLetter:EvOld',
      pk: `${CHANNEL}:deadletters`,
      type: 'deadLetter',
      messageId: 'EvOld',
      bodyJson: '{"key":"x"}',
      reason: 'MaxDeliveryCountExceeded',
      description: 'boom',
      deliveries: 5,
      deadLetteredAt: '2026-11-24T01:00:00.000Z',
    };
    await store.create(doc);
    const box = createStoredDeadLetterBox({
      store,
      channelId: CHANNEL,
      now: () => Date.parse('2026-11-25T00:00:00Z'),
    });
    expect(await box.list()).toEqual([
      {
        messageId: 'EvOld',
        body: { key: 'x' },
        reason: 'MaxDeliveryCountExceeded: boom',
        deliveries: 5,
        deadLetteredAt: doc.deadLetteredAt,
      },
    ]);
    // Kept before sessions were recorded: listed, but not replayable.
    const service = createDeadLetters({ box, queue: { send: async () => {}, close: async () => {} } });
    expect(await service.replay('EvOld')).toEqual({ ok: false, messageId: 'EvOld', reason: 'no_session' });
    await box.remove('EvOld', { discarded: true });
    expect(await box.list()).toEqual([]);
    expect((await store.read<DeadLetterDoc>(doc.pk, doc.id))?.doc.resolved).toEqual({
      at: '2026-11-25T00:00:00.000Z',
      discarded: true,
    });
  });
});
