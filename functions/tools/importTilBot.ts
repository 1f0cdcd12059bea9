/**
 * Migrates the original AWS bot's data (`til_timestamp.json`, `user_info.json`) into our documents, so an
 * operator moving from that bot keeps its history. Validation and conversion are pure; only
 * `createAbsentDocuments` touches the store.
 */
import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';
import { ConflictError, type Store } from '../adapters/store/store.js';
import {
  type MemberDoc,
  memberDocId,
  memberPartition,
  type SubmissionDoc,
  submissionDocument,
  type ThreadDoc,
  threadDocument,
  type WeekDoc,
  weekDocIdentity,
} from '../app/documents.js';
import { compareTs, routingMonthOfTs, tsToMs, weekOfTs } from '../domain/calendar.js';
import { applyEvent, isLate } from '../domain/submission.js';
import type { ChallengeEvent, RulesConfig, SlackTs, SubmissionState, UserId, Week } from '../domain/types.js';

/** The original bot's export: the two files of its S3 bucket, parsed as JSON. */
export interface TilBotFiles {
  tilTimestamp: unknown;
  userInfo: unknown;
}

export interface TilBotThread {
  threadTs: SlackTs;
  week: Week;
}

export interface TilBotReply {
  replyTs: SlackTs;
  threadTs: SlackTs;
  author: UserId;
  hasLink: boolean;
  likers: UserId[];
}

export interface TilBotMember {
  userId: UserId;
  name: string;
}

/** The export, validated: every thread's week agrees with our calendar. */
export interface TilBotExport {
  threads: TilBotThread[];
  replies: TilBotReply[];
  members: TilBotMember[];
  /** Oddities the import reads one documented way, for the operator to know about. */
  notes: string[];
}

export class TilBotDataError extends Error {
  constructor(readonly problems: string[]) {
    super(`The til-bot data cannot be imported:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TilBotDataError';
  }
}

const TIMESTAMP_FILE = 'til_timestamp.json';
const USER_INFO_FILE = 'user_info.json';

/** Key checks run even when values have problems too, so one run reports both (zod skips them by default). */
const evenWithOtherIssues: z.core.$ZodSuperRefineParams = {
  when: ({ value }) => typeof value === 'object' && value !== null && !Array.isArray(value),
};

const slackTs = z.string().regex(/^\d+\.\d{6}$/, 'must be a Slack message ts such as 1723437007.329409');
const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id such as U0123ABCD');
const monthNumber = z.string().regex(/^(?:[1-9]|1[0-2])$/, 'must be a month number 1–12');

const tilTimestampSchema = z.strictObject({
  timestamps: z
    .object({ this_month: monthNumber.optional() })
    // Month number → weekly thread ts → its label ("TIL 8월 2주차").
    .catchall(z.record(slackTs, z.string().min(1)))
    .superRefine((months, ctx) => {
      for (const key of Object.keys(months)) {
        if (key !== 'this_month' && !monthNumber.safeParse(key).success) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'is not a month number 1–12 (or this_month)',
          });
        }
      }
    }, evenWithOtherIssues),
});

const likerMap = z.record(userId, z.literal(1, 'must be 1 (the original marks a liker with 1)'));

const replySchema = z.object({
  // The original's running count; it drifted (one reply says -1 with five likers), so the likers are what we import.
  total: z.number().int(),
  // One reply of the 2024 data holds a liker map here instead of true, and has no `like`.
  has_link: z.union([z.boolean(), likerMap], 'must be true or false'),
  like: likerMap.optional(),
});

const memberSchema = z.object({
  name: z.string().min(1),
  reaction_count: z.number().int(),
  // Weekly thread ts → reply ts → reply; `{}` when the member did not reply that week.
  join_week: z.record(slackTs, z.record(slackTs, replySchema)),
});

/** Member id → member, plus `all_user`, the number of members. */
const userInfoSchema = z
  .object({ all_user: z.number().int().nonnegative().optional() })
  .catchall(memberSchema)
  .superRefine((value, ctx) => {
    const ids = Object.keys(value).filter((key) => key !== 'all_user');
    for (const id of ids.filter((id) => !userId.safeParse(id).success)) {
      ctx.addIssue({
        code: 'custom',
        path: [id],
        message: 'is not a Slack user id (expected member id → member)',
      });
    }
    if (value.all_user !== undefined && value.all_user !== ids.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['all_user'],
        message: `says ${value.all_user} members but the file has ${ids.length}`,
      });
    }
  }, evenWithOtherIssues)
  .transform(({ all_user: _count, ...members }) => members as Record<UserId, z.infer<typeof memberSchema>>);

/** `$.U000000001.join_week["1723422610.378419"]`: a JSON path an operator can follow in the file. */
function jsonPath(path: PropertyKey[]): string {
  return path.reduce<string>((at, key) => {
    if (typeof key === 'number') return `${at}[${key}]`;
    const name = String(key);
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${at}.${name}` : `${at}[${JSON.stringify(name)}]`;
  }, '$');
}

function issueProblems(file: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => `${file} ${jsonPath(issue.path)}: ${issueMessage(issue)}`);
}

function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    // A bad record key's own rule is below the generic "Invalid key in record".
    case 'invalid_key':
      return `key ${issue.issues.map((inner) => inner.message).join('; ')}`;
    // Such as another file given in this one's place: a few of its keys say enough.
    case 'unrecognized_keys': {
      const shown = issue.keys.slice(0, 3).map((key) => JSON.stringify(key));
      const more = issue.keys.length > shown.length ? ` and ${issue.keys.length - shown.length} more` : '';
      return `unexpected keys ${shown.join(', ')}${more}`;
    }
    default:
      return issue.message;
  }
}

const localTime = (ts: SlackTs, timeZone: string) =>
  new Date(tsToMs(ts)).toLocaleString('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'short' });

/**
 * Validates both files (shape with zod, then meaning: each thread's label is the week our calendar gives its ts
 * in `timeZone`, replies are in known threads) and returns the export; throws TilBotDataError listing every problem.
 */
export function parseTilBotExport(files: TilBotFiles, timeZone: string): TilBotExport {
  const timestamps = tilTimestampSchema.safeParse(files.tilTimestamp);
  const users = userInfoSchema.safeParse(files.userInfo);
  const problems = [
    ...(timestamps.success ? [] : issueProblems(TIMESTAMP_FILE, timestamps.error)),
    ...(users.success ? [] : issueProblems(USER_INFO_FILE, users.error)),
  ];
  if (!timestamps.success || !users.success) throw new TilBotDataError(problems);

  const threads: TilBotThread[] = [];
  const threadOfWeek = new Map<string, SlackTs>();
  const { this_month: _current, ...byMonth } = timestamps.data.timestamps;
  for (const [month, labels] of Object.entries(byMonth)) {
    for (const [threadTs, label] of Object.entries(labels)) {
      const week = weekOfTs(threadTs, timeZone);
      const at = `${TIMESTAMP_FILE} ${jsonPath(['timestamps', month, threadTs])}`;
      if (label !== week.label || Number(month) !== Number(week.month.slice(5))) {
        problems.push(
          `${at}: labelled "${label}" under month ${month}, but the thread was posted ${localTime(threadTs, timeZone)} ` +
            `(${timeZone}), in ${week.label} (${week.key})`,
        );
      }
      const sameWeek = threadOfWeek.get(week.key);
      if (sameWeek) problems.push(`${at}: a second thread for ${week.key}, after ${sameWeek}`);
      threadOfWeek.set(week.key, threadTs);
      threads.push({ threadTs, week });
    }
  }

  const threadTsSet = new Set(threads.map((t) => t.threadTs));
  const authorOfReply = new Map<SlackTs, UserId>();
  const replies: TilBotReply[] = [];
  const members: TilBotMember[] = [];
  const notes: string[] = [];
  for (const [memberId, member] of Object.entries(users.data)) {
    // The original bot appended the honorific to every name; Slack's names (which replace these) have none.
    members.push({ userId: memberId, name: member.name.replace(/\s*님$/, '') });
    for (const [threadTs, memberReplies] of Object.entries(member.join_week)) {
      const weekAt = `${USER_INFO_FILE} ${jsonPath([memberId, 'join_week', threadTs])}`;
      if (!threadTsSet.has(threadTs)) {
        problems.push(`${weekAt}: thread ${threadTs} is not a weekly thread of ${TIMESTAMP_FILE}`);
        continue;
      }
      for (const [replyTs, reply] of Object.entries(memberReplies)) {
        const at = `${USER_INFO_FILE} ${jsonPath([memberId, 'join_week', threadTs, replyTs])}`;
        if (compareTs(replyTs, threadTs) <= 0) problems.push(`${at}: the reply is not later than its thread`);
        const otherAuthor = authorOfReply.get(replyTs);
        if (otherAuthor) problems.push(`${at}: reply ${replyTs} is also listed under ${otherAuthor}`);
        authorOfReply.set(replyTs, memberId);
        if (typeof reply.has_link !== 'boolean') {
          // Likes are read from `like` only, the field the bot maintained; a map elsewhere is not its bookkeeping.
          notes.push(
            `${at}.has_link: a map of ${Object.keys(reply.has_link).length} user ids instead of true/false: ` +
              'read as a reply with a link; those ids are not imported as likes',
          );
        }
        if (!reply.like) notes.push(`${at}: no "like": imported without likes`);
        replies.push({
          replyTs,
          threadTs,
          author: memberId,
          hasLink: reply.has_link !== false,
          likers: Object.keys(reply.like ?? {}),
        });
      }
    }
  }
  if (problems.length > 0) throw new TilBotDataError(problems);
  threads.sort((a, b) => compareTs(a.threadTs, b.threadTs));
  replies.sort((a, b) => compareTs(a.replyTs, b.replyTs));
  return { threads, replies, members, notes };
}

export type ImportedDoc = WeekDoc | ThreadDoc | SubmissionDoc | MemberDoc;

export interface ImportPlan {
  /** In write order: each thread before its week (as the weekly post writes them), then replies, then members. */
  documents: ImportedDoc[];
  counts: {
    threads: number;
    weeks: number;
    replies: number;
    /** Replies with a link. */
    submissions: number;
    /** Submissions after their week's deadline: kept, but our rules count them for no week. */
    late: number;
    /** 👍 marks imported (on every reply, linked or not). */
    likes: number;
    members: number;
  };
}

export const IMPORT_MARKER = '(imported from til-bot 2024)';

/**
 * The original bot kept whether a reply had a blog link, not the link: a placeholder on the first accepted host
 * makes a linked reply a submission under the configured rules.
 */
export function placeholderBlogUrl(allowedBlogHosts: string[]): string {
  const host = allowedBlogHosts[0]!.replace(/^\*\./, 'til-bot-import.');
  return `https://${host}/til-bot-2024-import`;
}

/** The reply's state as the live app would have built it: the post, then one 👍 per liker at the reply's ts. */
function replyState(reply: TilBotReply, week: Week, channel: string, rules: RulesConfig): SubmissionState {
  const text = reply.hasLink
    ? `${IMPORT_MARKER} <${placeholderBlogUrl(rules.allowedBlogHosts)}>`
    : IMPORT_MARKER;
  const eventId = `til-bot-import:${reply.replyTs}`;
  const events: ChallengeEvent[] = [
    {
      kind: 'message_posted',
      eventId,
      eventTs: reply.replyTs,
      channel,
      ts: reply.replyTs,
      threadTs: reply.threadTs,
      user: reply.author,
      content: { text, blockUrls: [], versionTs: reply.replyTs },
    },
    // The like times were not kept; the reply's own ts is the earliest possible, so any live 👍 event wins.
    ...reply.likers.map(
      (liker): ChallengeEvent => ({
        kind: 'reaction',
        eventId: `${eventId}:like:${liker}`,
        eventTs: reply.replyTs,
        channel,
        itemTs: reply.replyTs,
        user: liker,
        added: true,
      }),
    ),
  ];
  return events.reduce<SubmissionState | undefined>(
    (state, event) => applyEvent(state, event, { config: rules, threadWeek: week }),
    undefined,
  )!;
}

/**
 * The documents the live app would hold had it run the original's challenge: posted weeks with their threads,
 * one submission per reply with an empty outbox (history announces nothing), and the member-name cache.
 */
export function tilBotDocuments(
  data: TilBotExport,
  target: { channel: string; rules: RulesConfig },
): ImportPlan {
  const { channel, rules } = target;
  const { timeZone } = rules;
  const documents: ImportedDoc[] = [];
  const weekOfThread = new Map<SlackTs, Week>();
  for (const { threadTs, week } of data.threads) {
    weekOfThread.set(threadTs, week);
    const postedAt = new Date(tsToMs(threadTs)).toISOString();
    documents.push(threadDocument(channel, threadTs, week, timeZone), {
      ...weekDocIdentity(channel, week),
      status: 'posted',
      claimedAt: postedAt,
      claimExpiresAt: postedAt,
      threadTs,
      postedAt,
    });
  }

  let late = 0;
  for (const reply of data.replies) {
    const week = weekOfThread.get(reply.threadTs)!;
    const state = replyState(reply, week, channel, rules);
    if (isLate(state, week)) late += 1;
    documents.push(submissionDocument(channel, routingMonthOfTs(reply.replyTs, timeZone), state, []));
  }

  // The names are as of the export, so the directory replaces them with Slack's at a member's next event.
  const newestTs = [...data.threads.map((t) => t.threadTs), ...data.replies.map((r) => r.replyTs)]
    .sort(compareTs)
    .at(-1);
  const fetchedAt = new Date(newestTs ? tsToMs(newestTs) : 0).toISOString();
  for (const member of data.members) {
    documents.push({
      id: memberDocId(member.userId),
      pk: memberPartition(channel),
      type: 'member',
      userId: member.userId,
      name: member.name,
      isBot: false,
      fetchedAt,
    });
  }

  return {
    documents,
    counts: {
      threads: data.threads.length,
      weeks: new Set(data.threads.map((t) => t.week.key)).size,
      replies: data.replies.length,
      submissions: data.replies.filter((r) => r.hasLink).length,
      late,
      likes: data.replies.reduce((sum, r) => sum + r.likers.length, 0),
      members: data.members.length,
    },
  };
}

export interface WriteReport {
  created: number;
  /** Already there, identical to what the import would write. */
  unchanged: number;
  /** Already there but different: kept as they are, never overwritten. */
  kept: { type: string; pk: string; id: string }[];
}

/** Creates each document that is absent; an existing one is compared, never replaced, so a re-run changes nothing. */
export async function createAbsentDocuments(store: Store, documents: ImportedDoc[]): Promise<WriteReport> {
  const report: WriteReport = { created: 0, unchanged: 0, kept: [] };
  for (const doc of documents) {
    try {
      await store.create(doc);
      report.created += 1;
      continue;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
    const existing = await store.read(doc.pk, doc.id);
    // Compared as stored (JSON drops fields whose value is undefined), on the fields the import writes: what the
    // app adds later (a week's threadUrl, say) is no difference.
    const imported = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
    const stored = existing?.doc as Record<string, unknown> | undefined;
    const same =
      stored && Object.keys(imported).every((key) => isDeepStrictEqual(stored[key], imported[key]));
    if (same) report.unchanged += 1;
    else report.kept.push({ type: doc.type, pk: doc.pk, id: doc.id });
  }
  return report;
}
