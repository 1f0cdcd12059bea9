/**
 * `npm run dead-letters -- list | replay <id> | replay --all | discard <id>` (SPEC 9): the kept dead letters from a
 * shell, with the app's own settings. Locally they are in the embedded queue's journal under DATA_DIR, which one
 * process owns at a time: while `npm start` runs it holds the lock, and this tool refuses (use `/til admin
 * deadletters` in Slack then: the server replays through its own queue). With COSMOS_ENDPOINT set (Azure) they
 * are the store's copies, replayed through Service Bus with the signed-in identity; no lock is needed.
 */
import { join, resolve } from 'node:path';
import { JournalDamagedError } from '../adapters/journal/journal.js';
import { createEmbeddedDeadLetterBox } from '../adapters/queue/embeddedDeadLetterBox.js';
import { openEmbeddedQueue } from '../adapters/queue/embeddedQueue.js';
import { defaultQueueOptions } from '../adapters/queue/queue.js';
import { createDeadLetters } from '../app/deadLetters.js';
import { describeError } from '../app/logger.js';
import { openStoreFor } from '../app/openStore.js';
import { createStoredDeadLetterBox } from '../app/storedDeadLetterBox.js';
import { type AppConfig, ConfigError, loadConfig } from '../config.js';
import { DataDirLocked, lockDataDir } from '../local/dataDirLock.js';
import { loadEnvFile } from '../local/loadEnvFile.js';
import { type DeadLettersCommand, parseDeadLettersArgs, runDeadLetters, UsageError } from './deadLetters.js';

class CliError extends Error {}

async function runLocal(config: AppConfig, command: DeadLettersCommand) {
  const dataDir = resolve(config.local.dataDir);
  const lock = await lockDataDir(dataDir).catch((error: unknown) => {
    if (!(error instanceof DataDirLocked)) throw error;
    throw new CliError(
      `DATA_DIR ${dataDir} is in use by process ${error.holderPid} (a running npm start): its queue journal belongs ` +
        'to it. Use /til admin deadletters (list, replay <id>|all) in Slack while it runs, or stop it and run this again.',
    );
  });
  try {
    const queue = await openEmbeddedQueue(join(dataDir, 'queue'), defaultQueueOptions).catch(
      (error: unknown) => {
        if (error instanceof JournalDamagedError) throw new CliError(`The queue ${error.message}`);
        throw error;
      },
    );
    try {
      return await runDeadLetters(
        createDeadLetters({ box: createEmbeddedDeadLetterBox(queue), queue }),
        command,
      );
    } finally {
      await queue.close();
    }
  } finally {
    await lock.release();
  }
}

async function runAzure(config: AppConfig, command: DeadLettersCommand) {
  const azure = config.azure!;
  if (!azure.serviceBusNamespace) {
    throw new CliError(
      'ServiceBusConnection__fullyQualifiedNamespace is not set: replays need the Service Bus namespace.',
    );
  }
  const [{ DefaultAzureCredential }, { createServiceBusSender }] = await Promise.all([
    import('@azure/identity'),
    import('../adapters/queue/serviceBusSender.js'),
  ]);
  const credential = new DefaultAzureCredential({ managedIdentityClientId: azure.managedIdentityClientId });
  const store = await openStoreFor(config, credential);
  const queue = createServiceBusSender.fromNamespace(
    azure.serviceBusNamespace,
    azure.serviceBusQueue,
    credential,
  );
  try {
    const box = createStoredDeadLetterBox({ store, channelId: config.channelId, now: Date.now });
    return await runDeadLetters(createDeadLetters({ box, queue }), command);
  } finally {
    await queue.close();
    await store.close();
  }
}

async function main(argv: string[]) {
  // Settings may come from ./.env, as for npm start; the environment wins.
  loadEnvFile();
  const command = parseDeadLettersArgs(argv);
  // The tool never verifies Slack requests, so the signing secret the app requires does not matter here.
  const config = loadConfig({ SLACK_SIGNING_SECRET: 'unused-by-the-dead-letter-tool', ...process.env });
  const { lines, ok } = await (config.azure ? runAzure(config, command) : runLocal(config, command));
  for (const line of lines) console.log(line);
  if (!ok) process.exitCode = 1;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exit(2);
  }
  if (error instanceof CliError || error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  console.error(`dead-letters failed: ${describeError(error)}`);
  process.exit(1);
});
