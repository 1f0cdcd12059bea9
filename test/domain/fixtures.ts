/** Builders of challenge events and states for the domain tests. */
import { weekByKey } from '../../functions/domain/calendar.js';
import { DEFAULT_BLOG_HOSTS } from '../../functions/domain/links.js';
import { applyEvent } from '../../functions/domain/submission.js';
import type {
  ChallengeEvent,
  RulesConfig,
  SlackTs,
  SubmissionState,
  UserId,
  Week,
} from '../../functions/domain/types.js';

export const ZONE = 'Asia/Seoul';
export const CHANNEL = 'C0TIL';
export const config: RulesConfig = {
  timeZone: ZONE,
  allowedBlogHosts: DEFAULT_BLOG_HOSTS,
  countSelfLikes: false,
};
export const selfLikes: RulesConfig = { ...config, countSelfLikes: true };

/** Slack ts of a Seoul local time, e.g. tsAt('2026-11-24T10:00'), with optional micros. */
export function tsAt(local: string, micros = 0): SlackTs {
  const seconds = Date.parse(`${local}+09:00`) / 1000;
  if (!Number.isInteger(seconds)) throw new Error(`bad local time ${local}`);
  return `${seconds}.${String(micros).padStart(6, '0')}`;
}

/** 2026-11-W4: Monday 2026-11-23 .. Sunday 2026-11-29 23:59:59.999 Seoul. */
export const week4: Week = weekByKey('2026-11-W4', ZONE);
export const week5: Week = weekByKey('2026-11-W5', ZONE);
export const thread4 = tsAt('2026-11-23T09:00:00', 100);
export const thread5 = tsAt('2026-11-30T09:00:00', 100);

export const LINK = '<https://velog.io/@me/til-1|velog>';
export const NO_LINK = '오늘 배운 것: 아직 정리 중';

let eventCounter = 0;
const nextEventId = () => `Ev${++eventCounter}`;

export function posted(
  ts: SlackTs,
  text: string,
  options: { user?: UserId; threadTs?: SlackTs; blockUrls?: string[] } = {},
): ChallengeEvent {
  return {
    kind: 'message_posted',
    eventId: nextEventId(),
    eventTs: ts,
    channel: CHANNEL,
    ts,
    threadTs: 'threadTs' in options ? options.threadTs : thread4,
    user: options.user ?? 'UAUTHOR',
    content: { text, blockUrls: options.blockUrls ?? [], versionTs: ts },
  };
}

export function edited(
  ts: SlackTs,
  versionTs: SlackTs,
  text: string,
  options: { user?: UserId; threadTs?: SlackTs } = {},
): ChallengeEvent {
  return {
    kind: 'message_edited',
    eventId: nextEventId(),
    eventTs: versionTs,
    channel: CHANNEL,
    ts,
    threadTs: 'threadTs' in options ? options.threadTs : thread4,
    user: options.user ?? 'UAUTHOR',
    content: { text, blockUrls: [], versionTs },
  };
}

export function deleted(ts: SlackTs, eventTs: SlackTs): ChallengeEvent {
  return { kind: 'message_deleted', eventId: nextEventId(), eventTs, channel: CHANNEL, ts };
}

export function reaction(itemTs: SlackTs, user: UserId, added: boolean, eventTs: SlackTs): ChallengeEvent {
  return { kind: 'reaction', eventId: nextEventId(), eventTs, channel: CHANNEL, itemTs, user, added };
}

/** Applies events in order, as the processor would for replies in week 4's thread. */
export function applyAll(
  events: ChallengeEvent[],
  options: { state?: SubmissionState; threadWeek?: Week; rules?: RulesConfig } = {},
): SubmissionState {
  const threadWeek = 'threadWeek' in options ? options.threadWeek : week4;
  let state = options.state;
  for (const event of events)
    state = applyEvent(state, event, { config: options.rules ?? config, threadWeek });
  if (!state) throw new Error('no events');
  return state;
}
