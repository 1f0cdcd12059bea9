import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import { waitUntil } from './deliveryLog.js';

const CHILD = fileURLToPath(new URL('../support/queueChild.ts', import.meta.url));
const MESSAGES_PER_SESSION = 60;
const SESSIONS = 5;

interface Handling {
  messageId: string;
  deliveryCount: number;
}

interface ChildRun {
  sent: string[];
  handled: Handling[];
  idle: boolean;
  stderr: string[];
  exited: boolean;
  kill(): Promise<void>;
}

function startChild(
  dir: string,
  round: string,
  messagesPerSession: number,
  killAfterAcks?: number,
): ChildRun {
  const args = [
    CHILD,
    dir,
    round,
    String(messagesPerSession),
    ...(killAfterAcks ? [String(killAfterAcks)] : []),
  ];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const run: ChildRun = {
    sent: [],
    handled: [],
    idle: false,
    stderr: [],
    exited: false,
    kill: async () => {
      child.kill('SIGKILL');
      await closed;
    },
  };
  void closed.then(() => {
    run.exited = true;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [kind, messageId, deliveryCount] = line.split(' ');
    if (kind === 'sent') run.sent.push(messageId!);
    if (kind === 'handled') run.handled.push({ messageId: messageId!, deliveryCount: Number(deliveryCount) });
    if (kind === 'idle') run.idle = true;
  });
  child.stderr.on('data', (chunk) => run.stderr.push(String(chunk)));
  return run;
}

async function waitForChild(run: ChildRun, condition: () => boolean, description: string): Promise<void> {
  await waitUntil(() => condition() || run.exited, description, 30_000);
  if (!condition()) throw new Error(`child exited before ${description}:\n${run.stderr.join('')}`);
}

const sessionOf = (messageId: string) => messageId.split('-')[1]!;
/** Send order within a session: by round, then by index. */
const sendOrderOf = (messageId: string) => {
  const [round, , index] = messageId.split('-');
  return Number(round!.slice(1)) * 1_000_000 + Number(index);
};

describe('embedded queue under kill -9', () => {
  let dir: TempDir;
  const runs: ChildRun[] = [];
  beforeEach(async () => {
    dir = await makeTempDir('queue-crash');
  });
  afterEach(async () => {
    await Promise.all(runs.splice(0).map((run) => run.kill()));
    await dir.remove();
  });

  it('handles every acknowledged send after restarts, redelivering at most the message each session had in flight', async () => {
    for (let round = 1; round <= 4; round++) {
      const killAfter = 20 + Math.floor(Math.random() * (MESSAGES_PER_SESSION * SESSIONS - 80));
      // Odd rounds are killed from outside at some point; even rounds kill themselves right after an ack.
      const selfKill = round % 2 === 0;
      const run = startChild(dir.path, String(round), MESSAGES_PER_SESSION, selfKill ? killAfter : undefined);
      runs.push(run);
      if (selfKill) {
        await waitUntil(() => run.exited, `round ${round} kills itself`, 30_000);
        expect(run.sent, run.stderr.join('')).toHaveLength(killAfter);
      } else {
        await waitForChild(
          run,
          () => run.sent.length >= killAfter && run.handled.length > 0,
          `round ${round} is mid-stream`,
        );
        await run.kill();
      }
    }
    const acknowledged = runs.flatMap((run) => run.sent);
    const drain = startChild(dir.path, 'r0', 0);
    runs.push(drain);
    await waitForChild(drain, () => drain.idle, 'the restarted queue has nothing pending');

    const handledIds = new Set(runs.flatMap((run) => run.handled.map(({ messageId }) => messageId)));
    expect(
      acknowledged.filter((id) => !handledIds.has(id)),
      'acknowledged but never handled',
    ).toEqual([]);
    const handledBefore = new Map<string, number>();
    const lastHandledInSession = new Map<string, string>();
    const firstHandlingOrder = new Map<string, string[]>();
    for (const run of runs) {
      const ids = run.handled.map(({ messageId }) => messageId);
      expect(new Set(ids).size, 'a message handled twice within one run').toBe(ids.length);
      const sessionsSeen = new Set<string>();
      for (const { messageId, deliveryCount } of run.handled) {
        const session = sessionOf(messageId);
        const previousCount = handledBefore.get(messageId);
        if (previousCount === undefined) {
          firstHandlingOrder.set(session, [...(firstHandlingOrder.get(session) ?? []), messageId]);
        } else {
          // Its completion was not yet durable at the kill: it must be what the session had in
          // flight, so the first of its session after the restart, with a higher delivery count.
          expect(sessionsSeen.has(session), `${messageId} redelivered after later messages`).toBe(false);
          expect(lastHandledInSession.get(session), `${messageId} redelivered`).toBe(messageId);
          expect(deliveryCount).toBeGreaterThan(previousCount);
        }
        sessionsSeen.add(session);
        handledBefore.set(messageId, deliveryCount);
      }
      for (const { messageId } of run.handled) lastHandledInSession.set(sessionOf(messageId), messageId);
    }
    for (const ids of firstHandlingOrder.values()) {
      expect(ids).toEqual([...ids].sort((a, b) => sendOrderOf(a) - sendOrderOf(b)));
    }
    expect(acknowledged.length).toBeGreaterThan(60);
  });
});
