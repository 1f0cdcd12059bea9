/**
 * `npm start`'s wiring in-process (local/main.ts without the HTTP listener): the real embedded queue and file
 * store in a temp dir, the services over the Web API client against the loopback fake Slack, the gated consumer,
 * and optionally Socket Mode against the fake Socket Mode endpoint. Week 4 of November 2026 is posted first
 * (a fixed clock the test moves), so replies in its thread count.
 */
import { type EmbeddedQueue, openEmbeddedQueue } from '../../functions/adapters/queue/embeddedQueue.js';
import { defaultQueueOptions, type QueueSender } from '../../functions/adapters/queue/queue.js';
import { createWebApiSlack } from '../../functions/adapters/slack/webApiSlack.js';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { Store } from '../../functions/adapters/store/store.js';
import type { SelfCheckReport } from '../../functions/app/selfCheck.js';
import { loadConfig } from '../../functions/config.js';
import { type GatedConsumer, startGatedConsumer } from '../../functions/local/gatedConsumer.js';
import { type SocketMode, startSocketMode } from '../../functions/local/socketMode.js';
import { createServices, type Services } from '../../functions/services.js';
import { signSlackRequest } from '../../functions/slack/verifySignature.js';
import { BOT_TOKEN, CHANNEL, capturedLog, invocationContext, request, SECRET } from '../handlers/helpers.js';
import { type FakeSlack, startFakeSlack } from './fakeSlack.js';
import { type FakeSocketMode, startFakeSocketMode } from './fakeSocketMode.js';
import { makeTempDir } from './tempDir.js';

export const ADMIN = 'UADMIN1';
export const APP_TOKEN = 'xapp-1-A0FAKEAPP-0000-fake';

export interface InProcessApp {
  fake: FakeSlack;
  services: Services;
  queue: EmbeddedQueue;
  store: Store;
  consumer: GatedConsumer;
  log: ReturnType<typeof capturedLog>;
  clock: { ms: number };
  /** The weekly thread of 2026-11-W4 ('' in a dry run). */
  threadTs: string;
  socket?: { fake: FakeSocketMode; client: SocketMode };
  /** POSTs the body to slack-events, signed; the HTTP status. Slack's own state follows the event. */
  postEvent(body: unknown): Promise<number>;
  health(): Promise<{ slack: SelfCheckReport; pending: number }>;
  dispose(): Promise<void>;
}

export async function startInProcessApp(
  options: {
    /** Runs after the week is posted, before the consumer starts (the fake's state at "start-up"). */
    before?: (fake: FakeSlack) => void;
    dryRun?: boolean;
    socketMode?: boolean;
    /** Wraps the queue the ingress sends to (a failing enqueue, say). */
    wrapSender?: (queue: QueueSender) => QueueSender;
    /** Azure's hold of a delivery while the token is refused (services' tokenRefusedHoldMs). */
    tokenRefusedHoldMs?: number;
  } = {},
): Promise<InProcessApp> {
  const clock = { ms: Date.parse('2026-11-23T09:05:00+09:00') };
  const fake = await startFakeSlack({ token: BOT_TOKEN, now: () => clock.ms });
  const dir = await makeTempDir('in-process-app');
  const store = await openFileStore(`${dir.path}/store`);
  const queue = await openEmbeddedQueue(`${dir.path}/queue`, { ...defaultQueueOptions, retryDelayMs: 10 });
  const log = capturedLog();
  const config = loadConfig({
    TIL_CHANNEL_ID: CHANNEL,
    SLACK_SIGNING_SECRET: SECRET,
    ADMIN_USER_IDS: ADMIN,
    LOCALE: 'en',
    ...(options.dryRun ? {} : { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.url }),
  });
  const slack = createWebApiSlack({
    token: BOT_TOKEN,
    apiUrl: fake.url,
    retryConfig: { retries: 1, factor: 1, minTimeout: 5, maxTimeout: 5 },
  });
  const services = createServices(config, {
    store,
    queue: options.wrapSender ? options.wrapSender(queue) : queue,
    slack,
    log,
    now: () => clock.ms,
    host: 'local',
    queueDepth: () => queue.pendingCount(),
    selfCheckRecheckMs: 20,
    tokenRefusedHoldMs: options.tokenRefusedHoldMs,
  });
  let threadTs = '';
  if (!options.dryRun) {
    await services.jobs.runDue(clock.ms);
    threadTs = String(fake.messagesIn(CHANNEL)[0]?.ts);
  }
  options.before?.(fake);
  const consumer = await startGatedConsumer(queue, services, log);
  let socket: InProcessApp['socket'];
  if (options.socketMode) {
    const fakeSocket = await startFakeSocketMode(fake);
    const client = await startSocketMode({
      appToken: APP_TOKEN,
      apiUrl: fake.url,
      receiveEvent: services.receiveEvent,
      receiveCommand: services.slackReceivers.command,
      receiveInteraction: services.slackReceivers.interaction,
      log,
      clientPingTimeoutMs: 200,
    });
    socket = { fake: fakeSocket, client };
  }
  return {
    fake,
    services,
    queue,
    store,
    consumer,
    log,
    clock,
    threadTs,
    socket,
    async postEvent(body) {
      fake.applyEvent(body);
      const raw = JSON.stringify(body);
      const timestamp = String(Math.floor(clock.ms / 1000));
      const response = await services.slackEvents(
        request({
          method: 'POST',
          path: '/api/slack/events',
          headers: {
            'content-type': 'application/json',
            'x-slack-request-timestamp': timestamp,
            'x-slack-signature': signSlackRequest(SECRET, timestamp, Buffer.from(raw)),
          },
          body: raw,
        }),
        invocationContext('slack-events'),
      );
      return response.status ?? 200;
    },
    async health() {
      return (await services.health()).jsonBody as { slack: SelfCheckReport; pending: number };
    },
    async dispose() {
      services.selfCheck.stop();
      await socket?.client.close();
      await socket?.fake.close();
      await consumer.close();
      await queue.close();
      await store.close();
      await fake.close();
      await dir.remove();
    },
  };
}

/** Polls `condition` (a state the test waits for, not a timing it judges) for up to `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
