/**
 * Crash-test child: `queueChild.ts <dir> <round> <count> [<killAfterAcks>]` opens the embedded queue
 * in <dir>, consumes it, and sends <count> messages to each of five sessions. It prints `sent <id>`
 * once a send is acknowledged and `handled <id> <deliveryCount>` when the handler has finished with
 * a message, and `idle` once it has sent everything and nothing is pending. The test kills it with SIGKILL at any moment; given <killAfterAcks>, it kills itself
 * the instant it has printed that many acknowledgements, the moment an acknowledgement must already
 * be durable.
 */
import { writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { openEmbeddedQueue } from '../../functions/adapters/queue/embeddedQueue.js';

const SESSIONS = 5;

const [dir, round, count, killAfterAcks] = process.argv.slice(2);
if (!dir || !round || count === undefined) {
  throw new Error('usage: queueChild.ts <dir> <round> <count> [<killAfterAcks>]');
}

/** Returns once the line is in the pipe, so it reaches the test even if the process dies right after. */
function print(line: string): void {
  const bytes = Buffer.from(`${line}\n`);
  for (let written = 0; written < bytes.length; ) {
    try {
      written += writeSync(1, bytes, written);
    } catch (error) {
      // stdout is a non-blocking pipe: when it is full, wait for the test to read it.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

let acks = 0;
function acknowledge(messageId: string): void {
  print(`sent ${messageId}`);
  if (++acks === Number(killAfterAcks)) process.kill(process.pid, 'SIGKILL');
}

const queue = await openEmbeddedQueue(dir, {
  duplicateDetectionWindowMs: 10 * 60_000,
  // Crashes raise delivery counts; nothing here should be dead-lettered.
  maxDeliveryCount: 1000,
  maxConcurrentSessions: 3,
  retryDelayMs: 10,
  // Small, so kills also land during compaction.
  compactionThresholdBytes: 8192,
});

queue.start(
  async ({ messageId, deliveryCount }) => {
    await sleep(Math.random() * 2);
    print(`handled ${messageId} ${deliveryCount}`);
  },
  async () => {},
);

// Runs until killed, like the server it stands in for.
setInterval(() => {}, 60_000);

await Promise.all(
  Array.from({ length: SESSIONS }, async (_, session) => {
    for (let index = 0; index < Number(count); index++) {
      const messageId = `r${round}-s${session}-${index}`;
      await queue.send({ messageId, sessionId: `s${session}`, body: { round, index } });
      acknowledge(messageId);
    }
  }),
);
await queue.idle();
print('idle');
