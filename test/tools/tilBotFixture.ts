/**
 * The original bot's 2024 export, read straight from its JSON, and the challenge figures computed from it here,
 * independently of the app's calendar and domain code: the expectations of the importer tests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = fileURLToPath(new URL('./fixtures/til-bot-2024/', import.meta.url));

const readFixture = (name: string): unknown => JSON.parse(readFileSync(`${FIXTURE_DIR}${name}`, 'utf8'));

/** Fresh copies, so a test may damage them. */
export const tilTimestampJson = () => readFixture('til_timestamp.json') as TilTimestampJson;
export const userInfoJson = () => readFixture('user_info.json') as UserInfoJson;

interface TilTimestampJson {
  timestamps: Record<string, Record<string, string> | string>;
}
interface ReplyJson {
  total: number;
  has_link: boolean | Record<string, number>;
  like?: Record<string, number>;
}
interface MemberJson {
  name: string;
  reaction_count: number;
  join_week: Record<string, Record<string, ReplyJson>>;
}
type UserInfoJson = Record<string, MemberJson> & { all_user?: number };

// Asia/Seoul has kept UTC+9 without daylight saving since 1988, so plain offset arithmetic finds its weeks.
const SEOUL_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

export interface ExpectedWeek {
  key: string;
  label: string;
  threadTs: string;
  /** Sunday 23:59:59.999 Seoul time, epoch ms. */
  deadlineMs: number;
}

/** The Monday-to-Sunday Seoul week containing `ts`, keyed by the month of its Monday and the Monday's ordinal. */
export function seoulWeekOf(ts: string): { month: string; key: string; deadlineMs: number } {
  const wallClock = new Date(Number(ts) * 1000 + SEOUL_OFFSET_MS);
  const daysSinceMonday = (wallClock.getUTCDay() + 6) % 7;
  const mondayWall = Date.UTC(
    wallClock.getUTCFullYear(),
    wallClock.getUTCMonth(),
    wallClock.getUTCDate() - daysSinceMonday,
  );
  const monday = new Date(mondayWall);
  const month = `${monday.getUTCFullYear()}-${String(monday.getUTCMonth() + 1).padStart(2, '0')}`;
  return {
    month,
    key: `${month}-W${Math.ceil(monday.getUTCDate() / 7)}`,
    deadlineMs: mondayWall - SEOUL_OFFSET_MS + 7 * DAY_MS - 1,
  };
}

export interface RawReply {
  author: string;
  threadTs: string;
  replyTs: string;
  /** The README's "2 without a valid link" are the replies whose has_link is false. */
  hasLink: boolean;
  likers: string[];
  /** The original's own count for the reply. */
  total: number;
  /** Linked, and posted by its week's deadline: our rules count it. */
  counted: boolean;
}

export interface MemberFigures {
  weeks: string[];
  submissions: number;
  likes: number;
}

export interface MonthFigures {
  weeks: (ExpectedWeek & { participants: number; likes: number })[];
  members: Map<string, MemberFigures>;
  challengers: string[];
  specialChallengers: string[];
}

export function rawExport() {
  const timestamps = tilTimestampJson().timestamps;
  const users = userInfoJson();
  const weekOfThread = new Map<string, ExpectedWeek & { month: string }>();
  for (const [month, labels] of Object.entries(timestamps)) {
    if (month === 'this_month' || typeof labels === 'string') continue;
    for (const [threadTs, label] of Object.entries(labels)) {
      weekOfThread.set(threadTs, { ...seoulWeekOf(threadTs), label, threadTs });
    }
  }
  const members = Object.entries(users).filter(
    (entry): entry is [string, MemberJson] => entry[0] !== 'all_user',
  );
  const replies: RawReply[] = members.flatMap(([author, member]) =>
    Object.entries(member.join_week).flatMap(([threadTs, replies]) =>
      Object.entries(replies).map(([replyTs, reply]) => {
        const hasLink = reply.has_link !== false;
        return {
          author,
          threadTs,
          replyTs,
          hasLink,
          likers: Object.keys(reply.like ?? {}),
          total: reply.total,
          counted: hasLink && Number(replyTs) * 1000 <= weekOfThread.get(threadTs)!.deadlineMs,
        };
      }),
    ),
  );
  return { weekOfThread, members, replies };
}

/** A month's figures under our rules: counted replies only, self-likes counted or not. */
export function monthFigures(month: string, countSelfLikes: boolean): MonthFigures {
  const { weekOfThread, replies } = rawExport();
  const likesOf = (reply: RawReply) =>
    reply.likers.filter((liker) => countSelfLikes || liker !== reply.author).length;
  const weeks = [...weekOfThread.values()]
    .filter((week) => week.month === month)
    .sort((a, b) => Number(a.threadTs) - Number(b.threadTs))
    .map((week) => {
      const counted = replies.filter((r) => r.threadTs === week.threadTs && r.counted);
      return {
        key: week.key,
        label: week.label,
        threadTs: week.threadTs,
        deadlineMs: week.deadlineMs,
        participants: new Set(counted.map((r) => r.author)).size,
        likes: counted.reduce((sum, r) => sum + likesOf(r), 0),
      };
    });
  const members = new Map<string, MemberFigures>();
  for (const week of weeks) {
    for (const reply of replies.filter((r) => r.threadTs === week.threadTs && r.counted)) {
      const figures = members.get(reply.author) ?? { weeks: [], submissions: 0, likes: 0 };
      if (!figures.weeks.includes(week.key)) figures.weeks.push(week.key);
      figures.submissions += 1;
      figures.likes += likesOf(reply);
      members.set(reply.author, figures);
    }
  }
  const challengers = [...members].filter(([, m]) => m.weeks.length === weeks.length).map(([id]) => id);
  const mostLikes = Math.max(...challengers.map((id) => members.get(id)!.likes));
  return {
    weeks,
    members,
    challengers: challengers.sort(),
    specialChallengers: challengers.filter((id) => members.get(id)!.likes === mostLikes).sort(),
  };
}
