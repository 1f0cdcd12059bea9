/** What `/til admin` (SPEC 9) says, Korean and English; part of the Templates (templates.ts). */
import { DateTime } from 'luxon';
import type { AdminActionResult, AuditEntry } from '../app/adminActions.js';
import type { KeptDeadLetter, ReplayOutcome } from '../app/deadLetters.js';
import type { AdminArgError } from '../domain/adminArgs.js';
import type { MonthKey, WeekKey } from '../domain/types.js';
import { koreanParticle } from './korean.js';

/** Why a `/til admin` line was not understood: an argument, a missing one, or an unknown subcommand. */
export type AdminProblem =
  | AdminArgError
  | { reason: 'usage'; usage: string }
  | { reason: 'unknown'; input: string };

export interface AdminTemplates {
  adminRefusal(): string;
  adminHelp(problem?: AdminProblem): string;
  adminActionAnswer(result: AdminActionResult): string;
  adminAwardPreview(input: { month: MonthKey; text?: string }): string;
  adminDeadLetters(letters: KeptDeadLetter[]): string;
  adminReplayed(outcomes: ReplayOutcome[]): string;
  adminDiscarded(input: { messageId: string; found: boolean }): string;
  adminLog(entries: AuditEntry[], timeZone: string): string;
  adminResyncUnavailable(): string;
  adminResyncStarted(): string;
  adminResyncReport(report: string): string;
}

const USAGE = [
  '`/til admin skip <week>` · `/til admin unskip <week>`',
  '`/til admin extend <week> <YYYY-MM-DD HH:mm>`',
  '`/til admin exclude <reply link>` · `/til admin include <reply link>`',
  '`/til admin award preview [YYYY-MM]`',
  '`/til admin resync`',
  '`/til admin deadletters` · `/til admin deadletters replay <id>|all` · `/til admin deadletters discard <id>`',
  '`/til admin log`',
].join('\n');

const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toFormat('yyyy-MM-dd HH:mm');
const koKey = (key: WeekKey) => `TIL ${Number(key.slice(5, 7))}월 ${key.slice(9)}주차`;
const enKey = (key: WeekKey) =>
  `TIL ${DateTime.fromISO(`${key.slice(0, 7)}-01`)
    .setLocale('en')
    .toFormat('LLLL')} week ${key.slice(9)}`;
const koDeadline = (iso: string) =>
  DateTime.fromISO(iso, { setZone: true }).setLocale('ko').toFormat('M월 d일(ccc) HH:mm');
const enDeadline = (iso: string) =>
  DateTime.fromISO(iso, { setZone: true }).setLocale('en').toFormat('ccc, LLL d HH:mm');
const json = (value: unknown) => JSON.stringify(value);
const letterLine = (l: KeptDeadLetter) =>
  `• \`${l.messageId}\` ${l.deadLetteredAt.slice(0, 16).replace('T', ' ')}Z ×${l.deliveries}: ${l.reason}`;

function koProblem(problem: AdminProblem): string {
  switch (problem.reason) {
    case 'bad_week':
      return `\`${problem.input}\`: 주차는 \`2026-11-W4\`처럼 쓰거나 그 주의 아무 날짜(\`2026-11-25\`)로 써 주세요.`;
    case 'bad_deadline':
      return `\`${problem.input}\`: 마감은 \`YYYY-MM-DD HH:mm\` 형식의 실제로 있는 날짜와 시각이어야 해요.`;
    case 'deadline_not_later':
      return `\`${problem.input}\`: 연장한 마감은 원래 마감(${koDeadline(problem.weekDeadlineIso)})보다 뒤여야 해요.`;
    case 'deadline_too_late':
      return `\`${problem.input}\`: 마감은 원래 마감에서 7일 뒤(${koDeadline(problem.latestIso)})까지만 연장할 수 있어요.`;
    case 'bad_link':
      return `\`${problem.input}\`: 답글의 Slack 링크(메시지 메뉴의 "링크 복사")를 붙여 주세요.`;
    case 'bad_month':
      return `\`${problem.input}\`: 달은 \`YYYY-MM\` 형식으로 써 주세요.`;
    case 'usage':
      return `사용법: ${problem.usage}`;
    case 'unknown':
      return `\`${problem.input}\`${koreanParticle(problem.input, '은/는')} 알 수 없는 관리자 명령이에요.`;
  }
}

function enProblem(problem: AdminProblem): string {
  switch (problem.reason) {
    case 'bad_week':
      return `\`${problem.input}\`: give a week as \`2026-11-W4\` or any date in it (\`2026-11-25\`).`;
    case 'bad_deadline':
      return `\`${problem.input}\`: a deadline is a real date and time, \`YYYY-MM-DD HH:mm\`.`;
    case 'deadline_not_later':
      return `\`${problem.input}\`: an extended deadline must be after the week's own (${enDeadline(problem.weekDeadlineIso)}).`;
    case 'deadline_too_late':
      return `\`${problem.input}\`: a deadline can be extended by at most 7 days (until ${enDeadline(problem.latestIso)}).`;
    case 'bad_link':
      return `\`${problem.input}\`: paste the reply's Slack link (message menu → "Copy link").`;
    case 'bad_month':
      return `\`${problem.input}\`: give a month as \`YYYY-MM\`.`;
    case 'usage':
      return `Usage: ${problem.usage}`;
    case 'unknown':
      return `\`${problem.input}\` is not an admin command.`;
  }
}

function koAnswer(r: AdminActionResult): string {
  if (!r.ok) {
    if (r.reason === 'not_admin') return koAdmin.adminRefusal();
    if (r.reason === 'other_channel')
      return `이 링크는 챌린지 채널이 아닌 <#${r.channel}>의 메시지예요. 아무것도 바뀌지 않았습니다.`;
    return `이 링크의 답글(${r.replyTs})은 주간 스레드의 제출로 기록되어 있지 않아요. 아무것도 바뀌지 않았습니다.`;
  }
  const same = r.changed ? '' : ' (이미 그렇게 되어 있어 바뀐 것은 없어요)';
  const { change } = r;
  switch (change.kind) {
    case 'skip':
      return `⏸️ ${koKey(change.weekKey)}${koreanParticle(koKey(change.weekKey), '을/를')} 건너뛰는 주로 정했어요${same}. 아직 공지 전이면 공지하지 않고, 챌린저와 연속 기록에 필요하지 않아요.`;
    case 'unskip':
      return `▶️ ${koKey(change.weekKey)}${koreanParticle(koKey(change.weekKey), '을/를')} 다시 보통 주로 되돌렸어요${same}.`;
    case 'extend':
      return `⏰ ${koKey(change.weekKey)} 마감을 ${koDeadline(r.week!.deadlineIso)}까지 연장했어요${same}. 그 전에 올라온 답글은 제때 낸 것으로 칩니다.`;
    case 'exclude':
      return `🚫 답글 ${change.replyTs}${koreanParticle(change.replyTs, '을/를')} 집계에서 뺐어요${same}. 참여와 👍에 세지 않아요.`;
    case 'include':
      return `✅ 답글 ${change.replyTs}${koreanParticle(change.replyTs, '을/를')} 다시 집계에 넣었어요${same}. 참여 안내는 다시 보내지 않아요.`;
  }
}

function enAnswer(r: AdminActionResult): string {
  if (!r.ok) {
    if (r.reason === 'not_admin') return enAdmin.adminRefusal();
    if (r.reason === 'other_channel')
      return `That link is to a message outside the challenge channel (in <#${r.channel}>). Nothing was changed.`;
    return `The reply at that link (${r.replyTs}) is not recorded as a submission in a weekly thread. Nothing was changed.`;
  }
  const same = r.changed ? '' : ' (it already was; nothing changed)';
  const { change } = r;
  switch (change.kind) {
    case 'skip':
      return `⏸️ ${enKey(change.weekKey)} is skipped${same}: not posted if not yet, and not needed for challengers or streaks.`;
    case 'unskip':
      return `▶️ ${enKey(change.weekKey)} is a normal week again${same}.`;
    case 'extend':
      return `⏰ ${enKey(change.weekKey)}'s deadline is extended to ${enDeadline(r.week!.deadlineIso)}${same}: replies before it are on time.`;
    case 'exclude':
      return `🚫 Reply ${change.replyTs} is excluded${same}: it counts for no participation and no 👍.`;
    case 'include':
      return `✅ Reply ${change.replyTs} counts again${same}; no announcement is sent again.`;
  }
}

export const koAdmin: AdminTemplates = {
  adminRefusal: () => '🔒 `/til admin` 명령은 관리자만 쓸 수 있어요. 아무것도 바뀌지 않았습니다.',
  adminHelp: (problem) =>
    [problem ? koProblem(problem) : undefined, '*관리자 명령*', USAGE].filter(Boolean).join('\n'),
  adminActionAnswer: koAnswer,
  adminAwardPreview: ({ month, text }) =>
    text
      ? `*${Number(month.slice(5, 7))}월 결과 발표 미리 보기* (채널에는 올리지 않았어요)\n>>> ${text}`
      : `${month}에는 주간 공지가 없어 발표할 결과가 없어요.`,
  adminDeadLetters: (letters) =>
    letters.length === 0
      ? '📭 보관 중인 dead letter가 없어요.'
      : [
          `📬 보관 중인 dead letter ${letters.length}건 (오래된 순):`,
          ...letters.map(letterLine),
          '다시 처리하려면 `/til admin deadletters replay <id>` 또는 `replay all`.',
        ].join('\n'),
  adminReplayed: (outcomes) =>
    outcomes.length === 0
      ? '다시 처리할 dead letter가 없어요.'
      : outcomes
          .map((o) =>
            o.ok
              ? `🔁 \`${o.messageId}\`을(를) \`${o.replayedAs}\`로 큐에 다시 넣었어요.`
              : o.reason === 'not_found'
                ? `\`${o.messageId}\`라는 dead letter는 없어요.`
                : `\`${o.messageId}\`은(는) 세션 정보가 없어 다시 넣을 수 없어요 (보관은 계속됩니다).`,
          )
          .join('\n'),
  adminDiscarded: ({ messageId, found }) =>
    found ? `🗑️ dead letter \`${messageId}\`을(를) 버렸어요.` : `\`${messageId}\`라는 dead letter는 없어요.`,
  adminLog: (entries, zone) =>
    entries.length === 0
      ? '📜 아직 관리자 작업 기록이 없어요.'
      : [
          `📜 최근 관리자 작업 ${entries.length}건 (최신 순):`,
          ...entries.map(
            (e) =>
              `• ${local(e.at, zone)} <@${e.actor}> \`${e.what}\`${e.changed ? '' : ' (변경 없음)'}: ${json(e.before)} → ${json(e.after)}`,
          ),
        ].join('\n'),
  adminResyncUnavailable: () => '이 설치에서는 아직 Slack 재동기화를 쓸 수 없어요.',
  adminResyncStarted: () => '🔄 Slack 재동기화를 시작했어요. 끝나면 결과를 알려 드릴게요.',
  adminResyncReport: (report) => `🔄 재동기화 결과\n${report}`,
};

export const enAdmin: AdminTemplates = {
  adminRefusal: () => '🔒 `/til admin` is for admins only. Nothing was changed.',
  adminHelp: (problem) =>
    [problem ? enProblem(problem) : undefined, '*Admin commands*', USAGE].filter(Boolean).join('\n'),
  adminActionAnswer: enAnswer,
  adminAwardPreview: ({ month, text }) =>
    text
      ? `*Preview of the ${month} results* (not posted in the channel)\n>>> ${text}`
      : `${month} had no weekly post: there are no results to announce.`,
  adminDeadLetters: (letters) =>
    letters.length === 0
      ? '📭 No dead letters are kept.'
      : [
          `📬 ${letters.length} dead letter(s) kept, oldest first:`,
          ...letters.map(letterLine),
          'Replay with `/til admin deadletters replay <id>` or `replay all`.',
        ].join('\n'),
  adminReplayed: (outcomes) =>
    outcomes.length === 0
      ? 'There are no dead letters to replay.'
      : outcomes
          .map((o) =>
            o.ok
              ? `🔁 \`${o.messageId}\` is back on the queue as \`${o.replayedAs}\`.`
              : o.reason === 'not_found'
                ? `There is no dead letter \`${o.messageId}\`.`
                : `\`${o.messageId}\` has no session recorded and cannot be replayed (it stays kept).`,
          )
          .join('\n'),
  adminDiscarded: ({ messageId, found }) =>
    found ? `🗑️ Dead letter \`${messageId}\` discarded.` : `There is no dead letter \`${messageId}\`.`,
  adminLog: (entries, zone) =>
    entries.length === 0
      ? '📜 No admin actions yet.'
      : [
          `📜 The last ${entries.length} admin action(s), newest first:`,
          ...entries.map(
            (e) =>
              `• ${local(e.at, zone)} <@${e.actor}> \`${e.what}\`${e.changed ? '' : ' (no change)'}: ${json(e.before)} → ${json(e.after)}`,
          ),
        ].join('\n'),
  adminResyncUnavailable: () => 'Re-sync from Slack is not available in this installation yet.',
  adminResyncStarted: () => '🔄 Re-sync from Slack started; the result follows when it is done.',
  adminResyncReport: (report) => `🔄 Re-sync result\n${report}`,
};
