/**
 * The month `npm run demo` plays through the signed Slack ingress: which members reply in which week, with or
 * without an accepted link, whose reply is edited to add one, whose is deleted, who gives a 👍 and who takes it
 * back. Pure data, built from a seed: the demo turns each week into Slack Events API bodies once the week's thread
 * ts is known (demoEvents), and the figures the dashboard must then show follow from the same data
 * (expectedFigures).
 */
import { DateTime } from 'luxon';
import { compareTs, tsToMs, weekOfInstant, weeksOfMonth } from '../domain/calendar.js';
import { type PostTime, postInstantOf } from '../domain/schedule.js';
import type { MonthKey, SlackTs, UserId, Week, WeekKey } from '../domain/types.js';

export interface DemoMember {
  userId: UserId;
  name: string;
}

export interface DemoLike {
  user: UserId;
  /** `+1`, `thumbsup` or a skin tone: all count as 👍. */
  reaction: string;
  ts: SlackTs;
  /** When set, the like is taken back (reaction_removed) at this ts. */
  removedTs?: SlackTs;
}

export interface DemoReply {
  ts: SlackTs;
  author: UserId;
  text: string;
  /** The text as posted holds a link on an accepted blog host. */
  linked: boolean;
  /** An edit (message_changed) that adds an accepted link. */
  edit?: { ts: SlackTs; text: string };
  /** Deleted (message_deleted) at this ts. */
  deletedTs?: SlackTs;
  likes: DemoLike[];
}

export interface DemoWeek {
  week: Week;
  /** The instant given to POST /api/admin/tick: the week's Monday POST_TIME. */
  tickAt: string;
  replies: DemoReply[];
}

export interface DemoScenario {
  /** The month of the week containing `nowMs`. */
  month: MonthKey;
  nowMs: number;
  /** Every week of `month` that has begun by `nowMs`, in order. */
  weeks: DemoWeek[];
}

/** Members who reply in the demo's weeks; about a dozen of the fixture's most active ones. */
const AUTHORS = 12;
/** Members who give 👍 (authors among them). */
const LIKERS = 14;

const TITLES = [
  'Rust 소유권과 빌림 정리',
  'React 19의 use() 훅',
  'PostgreSQL 인덱스 튜닝 기록',
  'Kubernetes HPA 실습',
  'TypeScript satisfies 연산자',
  'Azure Functions Flex Consumption 써 보기',
  'HTTP 캐시 헤더 정리',
  'git rebase --onto 이해하기',
  'Docker 멀티 스테이지 빌드',
  '위상 정렬 문제 풀이',
  'Service Bus 세션 큐',
  'Vite 플러그인 만들기',
  'JVM GC 로그 읽는 법',
  'Redis로 분산 락 구현',
  'Go 제네릭 첫걸음',
  'CSS container query',
  'Kafka 컨슈머 리밸런싱',
  'Linux cgroup v2',
];

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a month always plays the same way. */
function seededRandom(seed: string): () => number {
  let state = 0;
  for (const char of seed) state = (Math.imul(state, 31) + char.charCodeAt(0)) | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** A blog URL on one of the default accepted hosts, the member's usual one. */
function blogUrl(author: UserId, memberIndex: number, slug: string): string {
  const handle = `member${author.slice(-2).toLowerCase()}`;
  switch (memberIndex % 5) {
    case 0:
      return `https://velog.io/@${handle}/${slug}`;
    case 1:
      return `https://${handle}.github.io/posts/${slug}/`;
    case 2:
      return `https://github.com/${handle}/til/blob/main/${slug}.md`;
    case 3:
      return `https://blog.naver.com/${handle}/2234${slug.length}0${memberIndex}`;
    default:
      return `https://m.blog.naver.com/${handle}/2235${slug.length}1${memberIndex}`;
  }
}

/** Hands out unique Slack ts for instants; the micro digits keep two events in one millisecond apart. */
function tsAllocator() {
  const used = new Set<bigint>();
  return (ms: number): SlackTs => {
    let micros = BigInt(Math.floor(ms)) * 1000n;
    while (used.has(micros)) micros += 1n;
    used.add(micros);
    return `${micros / 1_000_000n}.${String(micros % 1_000_000n).padStart(6, '0')}`;
  };
}

export interface ScenarioOptions {
  nowMs: number;
  timeZone: string;
  postTime: PostTime;
  /** The fixture's members, most active first: the first dozen reply, a few more give likes. */
  members: DemoMember[];
}

/**
 * Every week of the current month that has begun: its weekly post at Monday POST_TIME, then replies on time
 * (before the deadline, and not after `nowMs`) by about a dozen members. Each week has one reply without a link,
 * one with a link on a host that is not accepted, one whose link is added by an edit (liked before the edit too),
 * and one that is deleted after a like; most members post an accepted link and get 👍, some of which are taken back.
 * The week in progress has fewer replies, as fewer members have posted yet.
 */
export function buildDemoScenario(options: ScenarioOptions): DemoScenario {
  const { nowMs, timeZone, postTime } = options;
  const month = weekOfInstant(nowMs, timeZone).month;
  const authors = options.members.slice(0, AUTHORS);
  const likers = options.members.slice(0, LIKERS).map((m) => m.userId);
  if (authors.length < 6) throw new Error(`the demo needs at least 6 members, got ${authors.length}`);
  const random = seededRandom(month);
  const nextTs = tsAllocator();
  let titleIndex = 0;
  const nextTitle = () => TITLES[titleIndex++ % TITLES.length]!;
  const between = (from: number, to: number) => from + (to - from) * (0.05 + 0.9 * random());

  const weeks = weeksOfMonth(month, timeZone)
    .filter((week) => week.startMs <= nowMs)
    .map((week, weekIndex): DemoWeek => {
      const postAt = postInstantOf(week, postTime, timeZone);
      // Replies follow the weekly post; in a week whose post is not due yet, they start with the week.
      const start = postAt <= nowMs ? postAt : week.startMs;
      const end = Math.min(week.deadlineMs - 3_600_000, nowMs);
      const elapsed = Math.min(1, (end - start) / (week.deadlineMs - start));
      const [noLink, otherHost, edited, deleted, ...rest] = shuffled(authors, random);
      const memberIndex = (userId: UserId) => authors.findIndex((a) => a.userId === userId);

      const likesOn = (author: UserId, from: number, count: number, keepFirst = false): DemoLike[] =>
        shuffled(
          likers.filter((l) => l !== author),
          random,
        )
          .slice(0, count)
          .map((user, i) => {
            const at = between(from, end);
            const removed = !(keepFirst && i === 0) && random() < 0.15;
            return {
              user,
              reaction: ['+1', 'thumbsup', '+1::skin-tone-3', '+1::skin-tone-5'][Math.floor(random() * 4)]!,
              ts: nextTs(at),
              ...(removed ? { removedTs: nextTs(between(at, end)) } : {}),
            };
          });

      const linkedReply = (author: UserId, at: number): DemoReply => {
        const title = nextTitle();
        const url = blogUrl(author, memberIndex(author), `til-${week.key.toLowerCase()}-${titleIndex}`);
        const text = random() < 0.5 ? `이번 주 TIL: <${url}|${title}>` : `${title} 정리했습니다 🙌 <${url}>`;
        return {
          ts: nextTs(at),
          author,
          text,
          linked: true,
          likes: likesOn(author, at, 1 + Math.floor(random() * 7)),
        };
      };

      const replies: DemoReply[] = [];
      // Most members post an accepted link (fewer so far in the week in progress); a few post twice.
      const takesPart = 0.8 * Math.max(0.35, elapsed);
      for (const member of rest) {
        if (random() >= takesPart) continue;
        const at = between(start, start + (end - start) * 0.7);
        replies.push(linkedReply(member.userId, at));
        if (random() < 0.2) replies.push(linkedReply(member.userId, between(at, end)));
      }
      if (weekIndex === 0 && replies[0]) {
        // A 👍 on one's own post, which does not count (COUNT_SELF_LIKES is off).
        const own = replies[0];
        own.likes.push({ user: own.author, reaction: '+1', ts: nextTs(between(tsToMs(own.ts), end)) });
      }

      const chatAt = between(start, end);
      replies.push({
        ts: nextTs(chatAt),
        author: noLink!.userId,
        text: '이번 주는 바빠서 글을 못 썼어요. 다음 주에 꼭 올릴게요 🙏',
        linked: false,
        likes: likesOn(noLink!.userId, chatAt, 2),
      });
      const otherAt = between(start, end);
      replies.push({
        ts: nextTs(otherAt),
        author: otherHost!.userId,
        text: `${nextTitle()} <https://medium.com/@${otherHost!.userId.toLowerCase()}/til-${titleIndex}>`,
        linked: false,
        likes: [],
      });

      // Posted without the link, liked, then edited to add it: the like counts from the edit on.
      const editedAt = between(start, start + (end - start) * 0.5);
      const editedTitle = nextTitle();
      const editedUrl = blogUrl(edited!.userId, memberIndex(edited!.userId), `til-${titleIndex}-fixed`);
      const editTs = nextTs(between(editedAt, start + (end - start) * 0.6));
      replies.push({
        ts: nextTs(editedAt),
        author: edited!.userId,
        text: `${editedTitle} 썼어요! (링크는 곧)`,
        linked: false,
        edit: { ts: editTs, text: `${editedTitle} 썼어요! <${editedUrl}>` },
        likes: likesOn(edited!.userId, editedAt, 2 + Math.floor(random() * 4), true),
      });

      // Posted with a link, liked, then deleted: neither the reply nor its likes count.
      const deletedAt = between(start, start + (end - start) * 0.5);
      const deletedReply = linkedReply(deleted!.userId, deletedAt);
      const lastLikeMs = Math.max(
        deletedAt,
        ...deletedReply.likes.map((like) => tsToMs(like.removedTs ?? like.ts)),
      );
      replies.push({ ...deletedReply, deletedTs: nextTs(between(lastLikeMs, end)) });

      return {
        week,
        tickAt: DateTime.fromMillis(postAt, { zone: timeZone }).toISO()!,
        replies: replies.sort((a, b) => compareTs(a.ts, b.ts)),
      };
    });
  return { month, nowMs, weeks };
}

/** The reply counts for its week: an accepted link as posted or added by the edit, and not deleted. */
export const replyCounts = (reply: DemoReply): boolean =>
  reply.deletedTs === undefined && (reply.linked || reply.edit !== undefined);

/** 👍 that count on the reply: not taken back, not the author's own, and only while the reply counts. */
export const replyLikes = (reply: DemoReply): number =>
  replyCounts(reply)
    ? reply.likes.filter((like) => like.removedTs === undefined && like.user !== reply.author).length
    : 0;

export interface DemoFigures {
  weeks: { key: WeekKey; label: string; participants: number; submissions: number; likes: number }[];
  members: Map<UserId, { weeks: WeekKey[]; submissions: number; likes: number }>;
  /** Events the play sends: replies, edits, deletes, reactions added and removed. */
  events: number;
}

/** What /api/stats must show for the played month, derived from the scenario alone. */
export function expectedFigures(scenario: DemoScenario): DemoFigures {
  const members: DemoFigures['members'] = new Map();
  let events = 0;
  const weeks = scenario.weeks.map(({ week, replies }) => {
    const counted = replies.filter(replyCounts);
    for (const reply of counted) {
      const member = members.get(reply.author) ?? { weeks: [], submissions: 0, likes: 0 };
      if (!member.weeks.includes(week.key)) member.weeks.push(week.key);
      member.submissions += 1;
      member.likes += replyLikes(reply);
      members.set(reply.author, member);
    }
    for (const reply of replies) {
      events += 1 + (reply.edit ? 1 : 0) + (reply.deletedTs ? 1 : 0);
      events += reply.likes.reduce((sum, like) => sum + (like.removedTs ? 2 : 1), 0);
    }
    return {
      key: week.key,
      label: week.label,
      participants: new Set(counted.map((r) => r.author)).size,
      submissions: counted.length,
      likes: counted.reduce((sum, r) => sum + replyLikes(r), 0),
    };
  });
  return { weeks, members, events };
}

/** A Slack Events API body (`event_callback`) as Slack sends it. */
export interface SlackEventBody {
  token: string;
  team_id: string;
  api_app_id: string;
  type: 'event_callback';
  event_id: string;
  event_time: number;
  event: Record<string, unknown> & { type: string; event_ts: SlackTs };
}

/**
 * The week's replies as Slack would deliver them, in the order they happened: each reply, its edit and delete,
 * and every 👍 added or removed, in `threadTs` (the week's thread, known once the weekly post is made).
 */
export function demoEvents(
  week: DemoWeek,
  threadTs: SlackTs,
  channel: string,
  eventId: () => string,
): SlackEventBody[] {
  const events: SlackEventBody['event'][] = [];
  for (const reply of week.replies) {
    const message = { type: 'message', user: reply.author, ts: reply.ts, thread_ts: threadTs };
    events.push({ ...message, channel, channel_type: 'channel', text: reply.text, event_ts: reply.ts });
    if (reply.edit) {
      events.push({
        type: 'message',
        subtype: 'message_changed',
        channel,
        hidden: true,
        ts: reply.edit.ts,
        event_ts: reply.edit.ts,
        message: { ...message, text: reply.edit.text, edited: { user: reply.author, ts: reply.edit.ts } },
        previous_message: { ...message, text: reply.text },
      });
    }
    if (reply.deletedTs) {
      events.push({
        type: 'message',
        subtype: 'message_deleted',
        channel,
        hidden: true,
        deleted_ts: reply.ts,
        ts: reply.deletedTs,
        event_ts: reply.deletedTs,
        previous_message: { ...message, text: reply.text },
      });
    }
    for (const like of reply.likes) {
      const reaction = (type: string, ts: SlackTs) => ({
        type,
        user: like.user,
        reaction: like.reaction,
        item_user: reply.author,
        item: { type: 'message', channel, ts: reply.ts },
        event_ts: ts,
      });
      events.push(reaction('reaction_added', like.ts));
      if (like.removedTs) events.push(reaction('reaction_removed', like.removedTs));
    }
  }
  return events
    .sort((a, b) => compareTs(a.event_ts, b.event_ts))
    .map((event) => ({
      token: 'demo-verification-token-unused',
      team_id: 'T0DEMO',
      api_app_id: 'A0DEMO',
      type: 'event_callback',
      event_id: eventId(),
      event_time: Math.floor(Number(event.event_ts)),
      event,
    }));
}
