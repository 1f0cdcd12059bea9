/**
 * Realistic stores, filled through the store API before a server starts on them: the documents are those the
 * importer (functions/tools/importTilBot.ts) builds from the original bot's export, i.e. what the live app
 * holds for posted weeks, their threads, replies with their 👍 and the member-name cache. Members' names are
 * fresh (fetched now), so the product asks Slack about none of them: they are likers who already exist.
 */
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Doc } from '../../functions/adapters/store/store.js';
import type { Week } from '../../functions/domain/types.js';
import type { TilBotExport } from '../../functions/tools/importTilBot.js';
import { product } from './productModules.js';
import { CHANNEL, SIGNING_SECRET } from './servers.js';
import { seeded } from './stats.js';

export const benchConfig = () =>
  product().config.loadConfig({ TIL_CHANNEL_ID: CHANNEL, SLACK_SIGNING_SECRET: SIGNING_SECRET });

export interface SeedSpec {
  /** The months, oldest first (monthsUpTo). */
  months: string[];
  submissionsPerMonth: number;
  members: number;
  /** Existing 👍 per submission, from other members. */
  likesPerSubmission: number;
  seed?: number;
}

export interface SeededSubmission {
  replyTs: string;
  author: string;
  month: string;
  likers: Set<string>;
}

export interface Seeded {
  months: string[];
  submissions: SeededSubmission[];
  members: string[];
  documents: number;
}

export const memberId = (i: number) => `U0B${i.toString(36).toUpperCase().padStart(5, '0')}`;

const tsOf = (seconds: number, micros: number) => `${seconds}.${String(micros).padStart(6, '0')}`;

/** The current month (that of the current week) and the `count - 1` before it, oldest first. */
export function monthsUpTo(count: number, now = Date.now()): string[] {
  const { timeZone } = benchConfig().rules;
  const { weekOfInstant, previousMonth } = product().calendar;
  const months = [weekOfInstant(now, timeZone).month];
  while (months.length < count) months.unshift(previousMonth(months[0]!));
  return months;
}

/** Weeks of `month` already begun (a thread can only be posted in those). */
export function startedWeeks(month: string, now = Date.now()): Week[] {
  return product()
    .calendar.weeksOfMonth(month, benchConfig().rules.timeZone)
    .filter((w) => w.startMs + 120_000 <= now);
}

export function seedDocuments(spec: SeedSpec, now = Date.now()): { documents: Doc[]; seeded: Seeded } {
  const config = benchConfig();
  const random = seeded(spec.seed ?? 11);
  const members = Array.from({ length: spec.members }, (_, i) => memberId(i));
  const data: TilBotExport = { threads: [], replies: [], members: [], notes: [] };
  const submissions: SeededSubmission[] = [];
  let authorIndex = 0;
  for (const month of spec.months) {
    const weeks = startedWeeks(month, now);
    const threadsTs = weeks.map((week) => {
      const threadTs = tsOf(Math.floor((week.startMs + 60_000) / 1000), 100);
      data.threads.push({ threadTs, week });
      return threadTs;
    });
    for (let i = 0; i < spec.submissionsPerMonth; i++) {
      const w = i % weeks.length;
      const j = Math.floor(i / weeks.length);
      const threadSeconds = Number(threadsTs[w]!.split('.')[0]);
      const replyTs = tsOf(threadSeconds + 1 + Math.floor(j / 1000), (j % 1000) * 1000 + 1);
      const author = members[authorIndex++ % members.length]!;
      const likers = new Set<string>();
      while (likers.size < Math.min(spec.likesPerSubmission, members.length - 1)) {
        const liker = members[Math.floor(random() * members.length)]!;
        if (liker !== author) likers.add(liker);
      }
      data.replies.push({ replyTs, threadTs: threadsTs[w]!, author, hasLink: true, likers: [...likers] });
      submissions.push({ replyTs, author, month, likers });
    }
  }
  for (const userId of members) data.members.push({ userId, name: `Bench ${userId}` });
  const fetchedAt = new Date(now).toISOString();
  const documents = product()
    .importTilBot.tilBotDocuments(data, { channel: CHANNEL, rules: config.rules })
    .documents.map((doc) => (doc.type === 'member' ? { ...doc, fetchedAt } : doc));
  return {
    documents,
    seeded: { months: spec.months, submissions, members, documents: documents.length },
  };
}

/** Where the product keeps the file store under DATA_DIR (functions/app/openStore.ts). */
export const storeDirOf = (dataDir: string) => join(dataDir, 'store');

/** Creates every document through the store API (durably, as the app would), `concurrency` at a time. */
export async function writeDocuments(storeDir: string, documents: Doc[], concurrency = 128): Promise<void> {
  const store = await product().fileStore.openFileStore(storeDir);
  try {
    for (let start = 0; start < documents.length; start += concurrency) {
      await Promise.all(documents.slice(start, start + concurrency).map((doc) => store.create(doc)));
    }
  } finally {
    await store.close();
  }
}

/** Seeds `dataDir` (a template, copied for each server by copyDataDir). */
export async function seedDataDir(dataDir: string, spec: SeedSpec): Promise<Seeded> {
  const { documents, seeded: result } = seedDocuments(spec);
  await mkdir(dataDir, { recursive: true });
  await writeDocuments(storeDirOf(dataDir), documents);
  return result;
}

export async function copyDataDir(template: string, target: string): Promise<void> {
  await cp(storeDirOf(template), storeDirOf(target), { recursive: true });
}
