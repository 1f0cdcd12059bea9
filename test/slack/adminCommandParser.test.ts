import { describe, expect, it } from 'vitest';
import { weekByKey } from '../../functions/domain/calendar.js';
import { parseAdminCommand } from '../../functions/slack/adminCommandParser.js';

const ZONE = 'Asia/Seoul';
const parse = (line: string) => parseAdminCommand(line.split(/\s+/).filter(Boolean), ZONE);
const week4 = weekByKey('2026-11-W4', ZONE);
const LINK = 'https://til.slack.com/archives/C0TIL/p1795416000123456?thread_ts=1795400000.000100&cid=C0TIL';

describe('parseAdminCommand', () => {
  it('reads every subcommand', () => {
    expect(parse('skip 2026-11-W4')).toEqual({ kind: 'skip', week: week4 });
    expect(parse('SKIP 2026-11-27')).toEqual({ kind: 'skip', week: week4 });
    expect(parse('unskip 2026-11-23')).toEqual({ kind: 'unskip', week: week4 });
    expect(parse('extend 2026-11-W4 2026-11-30 12:00')).toEqual({
      kind: 'extend',
      week: week4,
      deadlineMs: Date.parse('2026-11-30T12:00:59.999+09:00'),
    });
    expect(parse(`exclude ${LINK}`)).toEqual({
      kind: 'exclude',
      link: { channel: 'C0TIL', ts: '1795416000.123456' },
    });
    expect(parse(`include <${LINK}>`)).toEqual({
      kind: 'include',
      link: { channel: 'C0TIL', ts: '1795416000.123456' },
    });
    expect(parse('award preview')).toEqual({ kind: 'award_preview' });
    expect(parse('award Preview 2026-10')).toEqual({ kind: 'award_preview', month: '2026-10' });
    expect(parse('resync')).toEqual({ kind: 'resync' });
    expect(parse('deadletters')).toEqual({ kind: 'deadletters' });
    expect(parse('deadletters replay Ev123')).toEqual({
      kind: 'deadletters_replay',
      target: { messageId: 'Ev123' },
    });
    expect(parse('deadletters replay ALL')).toEqual({ kind: 'deadletters_replay', target: 'all' });
    expect(parse('deadletters replay replay:1:Ev123')).toEqual({
      kind: 'deadletters_replay',
      target: { messageId: 'replay:1:Ev123' },
    });
    expect(parse('deadletters discard Ev9')).toEqual({ kind: 'deadletters_discard', messageId: 'Ev9' });
    expect(parse('log')).toEqual({ kind: 'log' });
    expect(parse('')).toEqual({ kind: 'help' });
    expect(parse('help')).toEqual({ kind: 'help' });
  });

  it('turns bad arguments into help naming what was wrong', () => {
    expect(parse('skip')).toMatchObject({ kind: 'help', problem: { reason: 'usage' } });
    expect(parse('skip 2026-11-W4 again')).toMatchObject({ kind: 'help', problem: { reason: 'usage' } });
    expect(parse('skip 2026-02-30')).toEqual({
      kind: 'help',
      problem: { reason: 'bad_week', input: '2026-02-30' },
    });
    expect(parse('unskip next-week')).toMatchObject({ kind: 'help', problem: { reason: 'bad_week' } });
    expect(parse('extend 2026-11-W4 2026-11-30')).toMatchObject({
      kind: 'help',
      problem: { reason: 'usage' },
    });
    expect(parse('extend 2026-11-W9 2026-11-30 12:00')).toMatchObject({
      kind: 'help',
      problem: { reason: 'bad_week' },
    });
    expect(parse('extend 2026-11-W4 2026-11-31 12:00')).toMatchObject({
      kind: 'help',
      problem: { reason: 'bad_deadline' },
    });
    expect(parse('extend 2026-11-W4 2026-11-28 12:00')).toMatchObject({
      kind: 'help',
      problem: { reason: 'deadline_not_later' },
    });
    expect(parse('extend 2026-11-W4 2026-12-20 12:00')).toMatchObject({
      kind: 'help',
      problem: { reason: 'deadline_too_late' },
    });
    expect(parse('exclude')).toMatchObject({ kind: 'help', problem: { reason: 'usage' } });
    expect(parse('exclude https://example.com/archives/C0TIL/p1795416000123456')).toMatchObject({
      kind: 'help',
      problem: { reason: 'bad_link' },
    });
    expect(parse('award')).toMatchObject({ kind: 'help', problem: { reason: 'usage' } });
    expect(parse('award preview 2026-13')).toMatchObject({ kind: 'help', problem: { reason: 'bad_month' } });
    expect(parse('award preview 2026-11 x')).toMatchObject({ kind: 'help', problem: { reason: 'usage' } });
    expect(parse('resync now')).toMatchObject({ kind: 'help', problem: { reason: 'usage' } });
    expect(parse('log 50')).toMatchObject({ kind: 'help', problem: { reason: 'usage' } });
    expect(parse('deadletters replay')).toMatchObject({ kind: 'help', problem: { reason: 'usage' } });
    expect(parse('deadletters purge Ev1')).toMatchObject({ kind: 'help', problem: { reason: 'usage' } });
    expect(parse('deadletters replay Ev1 Ev2')).toMatchObject({ kind: 'help', problem: { reason: 'usage' } });
    expect(parse('sikp 2026-11-W4')).toEqual({ kind: 'help', problem: { reason: 'unknown', input: 'sikp' } });
  });
});
