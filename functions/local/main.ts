import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JournalDamagedError } from '../adapters/journal/journal.js';
import { openEmbeddedQueue } from '../adapters/queue/embeddedQueue.js';
import { defaultQueueOptions } from '../adapters/queue/queue.js';
import { consoleLogger, describeError } from '../app/logger.js';
import { openStoreFor, storeLocation } from '../app/openStore.js';
import { ConfigError, loadConfig } from '../config.js';
import { createIngressServices } from '../ingressServices.js';
import type { Services } from '../services.js';
import { dashboardRoot } from './dashboardRoot.js';
import { DataDirLocked, lockDataDir } from './dataDirLock.js';
import { startGatedConsumer } from './gatedConsumer.js';
import { createHttpServer, type HttpHandler } from './httpServer.js';
import { ingressFirst } from './ingressFirst.js';
import { loadEnvFile } from './loadEnvFile.js';
import type { SocketMode } from './socketMode.js';

/**
 * `npm start`: the whole product in one process. HTTP server + embedded durable queue + processor + embedded
 * durable store + in-process scheduler, wired to the very handlers the Functions entry registers.
 */
async function main() {
  // Settings may come from ./.env; the environment wins (see .env.example).
  const envFile = loadEnvFile();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`TIL Challenge cannot start. ${error.message}\nSee README.md for every setting.`);
      process.exit(1);
    }
    throw error;
  }
  const log = consoleLogger(config.logLevel);
  const dataDir = resolve(config.local.dataDir);
  const lock = await lockDataDir(dataDir).catch((error: unknown) => {
    if (!(error instanceof DataDirLocked)) throw error;
    console.error(`TIL Challenge cannot start. ${error.message}`);
    process.exit(1);
  });
  // The one way past a damaged journal (the queue's or the store's write log): the operator accepts the loss for
  // this start (see README).
  const acceptJournalLoss = process.argv.includes(ACCEPT_JOURNAL_LOSS_FLAG);
  let stopOnJournalFailure: () => void = () => process.exit(1);
  const refuseDamaged = (what: string) => async (error: unknown) => {
    if (!(error instanceof JournalDamagedError)) throw error;
    console.error(
      `TIL Challenge cannot start. The ${what} ${error.message}\n` +
        'Restore DATA_DIR from a backup (the whole directory), or start once with what can be read and lose the rest: ' +
        `npm start -- ${ACCEPT_JOURNAL_LOSS_FLAG} (or node dist/functions/local/main.js ${ACCEPT_JOURNAL_LOSS_FLAG}).`,
    );
    await lock.release();
    process.exit(1);
  };
  const store = await openStoreFor(config, undefined, {
    acceptLoss: acceptJournalLoss,
    // Like the queue's below: no write can be made durable any more, so stop rather than fail every event.
    onFatalError: () => stopOnJournalFailure(),
  }).catch(refuseDamaged("store's write log"));
  const queue = await openEmbeddedQueue(join(dataDir, 'queue'), {
    ...defaultQueueOptions,
    acceptJournalLoss,
    // The queue has stopped for good (it logged why); sends answer 5xx until then. Exit, so a restart replays
    // the journal instead of a process that answers every event with an error.
    onFatalError: () => stopOnJournalFailure(),
  }).catch(refuseDamaged('queue'));
  // What the first event needs is built now; the rest of the services (processor, jobs, read side, self-check)
  // loads once the server listens, so a cold start compiles only the ingress before its first ack.
  const ingress = createIngressServices(config, { queue, now: Date.now });
  let services: Services | undefined;
  let loadServices: (() => void) | undefined;
  const servicesReady = new Promise<void>((start) => {
    loadServices = start;
  }).then(async () => {
    const [{ createServices, slackFor }, { createEmbeddedDeadLetterBox }] = await Promise.all([
      import('../services.js'),
      import('../adapters/queue/embeddedDeadLetterBox.js'),
    ]);
    services = createServices(config, {
      store,
      queue,
      slack: slackFor(config, log),
      log,
      now: Date.now,
      host: 'local',
      queueDepth: () => queue.pendingCount(),
      deadLetterBox: createEmbeddedDeadLetterBox(queue),
    });
    return services;
  });
  /** A route served by the services once loaded (a request meanwhile waits for them). */
  const later = (pick: (s: Services) => HttpHandler): HttpHandler =>
    Object.assign(async (...args: Parameters<HttpHandler>) => pick(await servicesReady)(...args), {
      // Until then the handler's own first step runs the same header check, after the body is read.
      beforeBody: (...args: Parameters<NonNullable<HttpHandler['beforeBody']>>) =>
        services ? pick(services).beforeBody?.(...args) : undefined,
    });

  const staticRoot = dashboardRoot();
  const server = createHttpServer({
    log,
    staticRoot,
    routes: [
      { name: 'slack-events', method: 'POST', path: '/api/slack/events', handler: ingress.slackEvents },
      {
        name: 'slack-commands',
        method: 'POST',
        path: '/api/slack/commands',
        handler: later((s) => s.slackCommands),
      },
      {
        name: 'slack-interactions',
        method: 'POST',
        path: '/api/slack/interactions',
        handler: later((s) => s.slackInteractions),
      },
      { name: 'stats', method: ['GET', 'OPTIONS'], path: '/api/stats', handler: later((s) => s.stats) },
      { name: 'months', method: ['GET', 'OPTIONS'], path: '/api/months', handler: later((s) => s.months) },
      { name: 'history', method: ['GET', 'OPTIONS'], path: '/api/history', handler: later((s) => s.history) },
      { name: 'admin-tick', method: 'POST', path: '/api/admin/tick', handler: later((s) => s.adminTick) },
      { name: 'health', method: 'GET', path: '/api/health', handler: later((s) => s.health) },
    ],
  });

  // Requests first: the consumer steps aside while they arrive (local/ingressFirst.ts).
  const requestsFirst = ingressFirst();
  server.on('request', requestsFirst.requestArrived);

  // A tick still posting (Slack retrying, say) is not overlapped by the next one.
  let ticking: Promise<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let consumer: ReturnType<typeof startGatedConsumer> | undefined;
  let socketMode: Promise<SocketMode> | undefined;
  const startWork = (loaded: Services) => {
    // The self-check runs once at start (logged); the consumer delivers only while Slack accepts the token.
    consumer = startGatedConsumer(queue, loaded, log, requestsFirst.turn);
    consumer.catch((error: unknown) => log.error(`queue consumer failed to start: ${describeError(error)}`));
    const tick = () => {
      ticking ??= loaded.jobs
        .runDue(Date.now())
        .catch((error) => log.error(`scheduler tick failed: ${describeError(error)}`))
        .finally(() => {
          ticking = undefined;
        });
    };
    const interval = config.local.schedulerIntervalSeconds;
    if (interval > 0) {
      timer = setInterval(tick, interval * 1000);
      tick();
    }
    const { appToken } = config.slack;
    if (appToken) {
      // Slack's Socket Mode client (with undici and the Web API) loads only when it is configured.
      socketMode = import('./socketMode.js').then(({ startSocketMode }) =>
        startSocketMode({
          appToken,
          apiUrl: config.slack.apiUrl,
          receiveEvent: ingress.receiveEvent,
          receiveCommand: loaded.slackReceivers.command,
          receiveInteraction: loaded.slackReceivers.interaction,
          log,
        }),
      );
      // A refused app token (or none of the scope connections:write) is said once; HTTP keeps serving.
      socketMode.catch((error: unknown) =>
        log.error(
          `Socket Mode could not connect: ${describeError(error)}. Check SLACK_APP_TOKEN (Basic Information → App-Level Tokens, scope connections:write) and that Socket Mode is on (slack-app-manifest.socket-mode.yaml)`,
        ),
      );
    }
  };

  // Only the listen itself can fail this way (a port in use, one below 1024): one line, the lock released, exit 1.
  const onListenError = async (error: NodeJS.ErrnoException) => {
    if (timer) clearInterval(timer);
    const { port } = config.local;
    const why =
      error.code === 'EADDRINUSE'
        ? `port ${port} is already in use (another npm start?)`
        : error.code === 'EACCES'
          ? `port ${port} needs privileges this user does not have`
          : `cannot listen on port ${port}: ${describeError(error)}`;
    console.error(
      `TIL Challenge cannot start: ${why}. Stop what holds it, or choose another port with PORT, ` +
        `e.g. PORT=${port === 7072 ? 7073 : 7072} npm start`,
    );
    await Promise.allSettled([queue.close(), store.close()]);
    await lock.release();
    process.exit(1);
  };
  server.once('error', onListenError);
  server.listen(config.local.port, () => {
    server.off('error', onListenError);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.local.port;
    // The start-up banner is for the operator whatever LOG_LEVEL says.
    console.log(
      [
        `TIL Challenge listening on http://localhost:${port} (data in ${dataDir})`,
        `  Store: ${storeLocation(config)}`,
        envFile.path
          ? `  Settings: ${envFile.loaded.length} from ${envFile.path}, the rest from the environment (which wins)`
          : '  Settings: from the environment (no .env file here)',
        config.slack.appToken
          ? '  Slack: Socket Mode (SLACK_APP_TOKEN): events, /til and interactivity over the socket, no public URL needed'
          : `  Slack request URLs: https://<public-url-for-this-machine>/api/slack/events (events), …/api/slack/commands (/til), …/api/slack/interactions (interactivity)`,
        existsSync(join(staticRoot, 'index.html'))
          ? `  Dashboard: http://localhost:${port}/`
          : '  Dashboard: not built yet (web/)',
        `  Stats: http://localhost:${port}/api/stats?month=YYYY-MM   Health: http://localhost:${port}/api/health`,
        config.slack.botToken
          ? `  Slack Web API: ${config.slack.apiUrl}`
          : '  SLACK_BOT_TOKEN is not set: DRY-RUN mode, Slack calls are printed with [dry-run], not sent',
      ].join('\n'),
    );
    loadServices?.();
    loadServices = undefined;
    servicesReady.then(startWork, async (error: unknown) => {
      console.error('TIL Challenge failed to start:', error);
      server.close();
      await Promise.allSettled([queue.close(), store.close()]);
      await lock.release();
      process.exit(1);
    });
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: draining in-flight work`);
    await new Promise<void>((done) => server.close(() => done()));
    // Services still loading (once listening) are let finish, so what they start is stopped below.
    if (!loadServices) await servicesReady.catch(() => {});
    if (timer) clearInterval(timer);
    services?.selfCheck.stop();
    await socketMode?.then((socket) => socket.close()).catch(() => {});
    await consumer?.then((c) => c.close()).catch(() => {});
    await Promise.all([queue.close(), ticking]);
    await store.close();
    await lock.release();
    log.info('stopped');
    process.exit(0);
  };
  stopOnJournalFailure = () => {
    if (stopping) return;
    stopping = true;
    log.error('stopping: a journal cannot be written (see above); restart once the disk is fixed');
    if (timer) clearInterval(timer);
    server.close();
    // In-flight requests get their 5xx meanwhile; whatever else is running is cut off as a kill -9 would.
    setTimeout(() => void lock.release().finally(() => process.exit(1)), 500);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

const ACCEPT_JOURNAL_LOSS_FLAG = '--accept-journal-loss';

main().catch((error) => {
  console.error('TIL Challenge failed to start:', error);
  process.exit(1);
});
