/**
 * What `npm run dead-letters` does, apart from the process around it (deadLettersCli.ts): parse the command line,
 * run it against a DeadLetters service, and say what came of it. Kept apart so tests run it on real hosts' boxes.
 */
import type { DeadLetters } from '../app/deadLetters.js';

export const USAGE =
  'usage: npm run dead-letters -- list | replay <message id> | replay --all | discard <message id>';

export type DeadLettersCommand =
  | { kind: 'list' }
  | { kind: 'replay'; messageId: string }
  | { kind: 'replay_all' }
  | { kind: 'discard'; messageId: string };

/** A command line nobody can run: exit code 2, the message names what was wrong and the usage. */
export class UsageError extends Error {}

const MESSAGE_ID = /^[\x21-\x7e]{1,128}$/;

export function parseDeadLettersArgs(argv: readonly string[]): DeadLettersCommand {
  const [verb, arg, ...rest] = argv;
  const fail = (why: string) => new UsageError(`${why}\n${USAGE}`);
  if (rest.length > 0) throw fail(`unexpected arguments: ${rest.join(' ')}`);
  switch (verb) {
    case 'list':
      if (arg !== undefined) throw fail(`list takes no argument (got ${arg})`);
      return { kind: 'list' };
    case 'replay':
      if (arg === '--all') return { kind: 'replay_all' };
      if (arg === undefined) throw fail('replay needs a message id, or --all');
      if (!MESSAGE_ID.test(arg)) throw fail(`not a queue message id: ${JSON.stringify(arg)}`);
      return { kind: 'replay', messageId: arg };
    case 'discard':
      if (arg === undefined || !MESSAGE_ID.test(arg)) throw fail('discard needs a message id');
      return { kind: 'discard', messageId: arg };
    case undefined:
      throw fail('no command given');
    default:
      throw fail(`unknown command: ${verb}`);
  }
}

/** Runs `command`; returns the lines to print and whether everything asked for was done (the exit code). */
export async function runDeadLetters(
  service: DeadLetters,
  command: DeadLettersCommand,
): Promise<{ lines: string[]; ok: boolean }> {
  switch (command.kind) {
    case 'list': {
      const letters = await service.list();
      if (letters.length === 0) return { lines: ['no dead letters are kept'], ok: true };
      return {
        lines: letters.map(
          (l) =>
            `${l.messageId}\t${l.sessionId ?? '(no session)'}\t${l.deadLetteredAt}\t${l.deliveries} deliveries\t${l.reason}`,
        ),
        ok: true,
      };
    }
    case 'replay':
    case 'replay_all': {
      const outcomes =
        command.kind === 'replay' ? [await service.replay(command.messageId)] : await service.replayAll();
      if (outcomes.length === 0) return { lines: ['no dead letters to replay'], ok: true };
      return {
        lines: outcomes.map((o) =>
          o.ok
            ? `replayed ${o.messageId} as ${o.replayedAs}`
            : o.reason === 'not_found'
              ? `no dead letter ${o.messageId}`
              : `cannot replay ${o.messageId}: no session recorded (kept)`,
        ),
        ok: outcomes.every((o) => o.ok),
      };
    }
    case 'discard': {
      const found = await service.discard(command.messageId);
      return {
        lines: [found ? `discarded ${command.messageId}` : `no dead letter ${command.messageId}`],
        ok: found,
      };
    }
  }
}
