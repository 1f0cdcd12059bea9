/**
 * `/til admin …` (SPEC 9) parsed purely: the words after `admin` in, one command out. Anything not understood
 * becomes help naming what was wrong, never an action.
 */
import {
  parseDeadlineArg,
  parseMonthArg,
  parseReplyLink,
  parseWeekArg,
  type ReplyLink,
} from '../domain/adminArgs.js';
import type { MonthKey, Week } from '../domain/types.js';
import type { AdminProblem } from '../messages/adminTemplates.js';

export type AdminCommand =
  | { kind: 'skip' | 'unskip'; week: Week }
  | { kind: 'extend'; week: Week; deadlineMs: number }
  | { kind: 'exclude' | 'include'; link: ReplyLink }
  | { kind: 'award_preview'; month?: MonthKey }
  | { kind: 'resync' }
  | { kind: 'deadletters' }
  | { kind: 'deadletters_replay'; target: { messageId: string } | 'all' }
  | { kind: 'deadletters_discard'; messageId: string }
  | { kind: 'log' }
  | { kind: 'help'; problem?: AdminProblem };

/** The commands that change state: queued, applied in their month's session, audited. */
export type AdminChangeCommand = Extract<
  AdminCommand,
  { kind: 'skip' | 'unskip' | 'extend' | 'exclude' | 'include' }
>;

const usage = (u: string): AdminCommand => ({ kind: 'help', problem: { reason: 'usage', usage: u } });

/** Dead letter ids are queue message ids: printable, no spaces, at most Service Bus's 128 characters. */
const MESSAGE_ID = /^[\x21-\x7e]{1,128}$/;

export function parseAdminCommand(args: readonly string[], timeZone: string): AdminCommand {
  const [word = '', ...rest] = args;
  const name = word.toLowerCase();
  const week = (input: string | undefined, u: string) => {
    if (input === undefined) return usage(u);
    const parsed = parseWeekArg(input, timeZone);
    return parsed.ok ? parsed.value : ({ kind: 'help', problem: parsed.error } as const);
  };
  switch (name) {
    case '':
    case 'help':
      return { kind: 'help' };
    case 'skip':
    case 'unskip': {
      const u = `\`/til admin ${name} <week>\``;
      if (rest.length !== 1) return usage(u);
      const w = week(rest[0], u);
      return 'kind' in w ? w : { kind: name, week: w };
    }
    case 'extend': {
      const u = '`/til admin extend <week> <YYYY-MM-DD HH:mm>`';
      if (rest.length !== 3) return usage(u);
      const w = week(rest[0], u);
      if ('kind' in w) return w;
      const deadline = parseDeadlineArg(rest[1]!, rest[2]!, w, timeZone);
      return deadline.ok
        ? { kind: 'extend', week: w, deadlineMs: deadline.value }
        : { kind: 'help', problem: deadline.error };
    }
    case 'exclude':
    case 'include': {
      if (rest.length !== 1) return usage(`\`/til admin ${name} <reply link>\``);
      const link = parseReplyLink(rest[0]!);
      return link.ok ? { kind: name, link: link.value } : { kind: 'help', problem: link.error };
    }
    case 'award': {
      const [sub = '', month, ...more] = rest;
      if (sub.toLowerCase() !== 'preview' || more.length > 0)
        return usage('`/til admin award preview [YYYY-MM]`');
      if (month === undefined) return { kind: 'award_preview' };
      const parsed = parseMonthArg(month);
      return parsed.ok
        ? { kind: 'award_preview', month: parsed.value }
        : { kind: 'help', problem: parsed.error };
    }
    case 'resync':
      return rest.length === 0 ? { kind: 'resync' } : usage('`/til admin resync`');
    case 'log':
      return rest.length === 0 ? { kind: 'log' } : usage('`/til admin log`');
    case 'deadletters': {
      const [sub = '', id, ...more] = rest;
      const u = '`/til admin deadletters [replay <id>|all | discard <id>]`';
      if (sub === '') return { kind: 'deadletters' };
      if (more.length > 0 || id === undefined || !MESSAGE_ID.test(id)) return usage(u);
      if (sub.toLowerCase() === 'replay') {
        return { kind: 'deadletters_replay', target: id.toLowerCase() === 'all' ? 'all' : { messageId: id } };
      }
      if (sub.toLowerCase() === 'discard') return { kind: 'deadletters_discard', messageId: id };
      return usage(u);
    }
    default:
      return { kind: 'help', problem: { reason: 'unknown', input: word } };
  }
}
