/**
 * What users saw in Slack, read from the fake Web API's calls: only calls the fake answered `ok` count, because
 * those are the ones Slack performed, whether or not the app heard the answer (the chaos proxy can drop it).
 */
import type { SlackCall } from '../../support/fakeSlack.js';
import { CHANNEL } from '../../support/localServer.js';

interface Metadata {
  event_type?: string;
  event_payload?: { id?: unknown };
}

const metadataOf = (call: SlackCall) => call.args.metadata as Metadata | undefined;
const isPost = (call: SlackCall) => call.ok && call.method === 'chat.postMessage';

/** How many times each key occurs. */
function tally(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

const repeated = (counts: Map<string, number>) =>
  [...counts].filter(([, n]) => n > 1).map(([key, n]) => `${key} ×${n}`);

export interface SlackLedger {
  /** Weekly posts per week key (tag `til_weekly_post`). */
  weeklyPosts: Map<string, number>;
  /** Broadcasts per `member week-label` (from the text `<@U…>님이 TIL 11월 4주차 …`). */
  broadcasts: Map<string, number>;
  /** Like DMs per tag id (`til_like_dm`). */
  likeDms: Map<string, number>;
  /** Texts of the DMs the admins received. */
  alerts: string[];
  /** Keys seen more than once, across the three kinds above: each is a doubled post. */
  doubled: string[];
  /** chat.postMessage calls the fake answered ok, all kinds. */
  posts: number;
  /** Every call the fake received, failed ones included. */
  calls: number;
}

const BROADCAST = /^<@([^>]+)>님이 (TIL \d+월 \d주차) 챌린지에 참여했습니다/;

export function readLedger(calls: readonly SlackCall[], adminUserIds: readonly string[] = []): SlackLedger {
  const posts = calls.filter(isPost);
  // The fake opens `D<user>` for a user; a DM posted straight to the user id is a DM too.
  const adminChannels = new Set(adminUserIds.flatMap((id) => [`D${id}`, id]));
  const weekly = posts
    .filter((c) => metadataOf(c)?.event_type === 'til_weekly_post')
    .map((c) => String(metadataOf(c)?.event_payload?.id));
  const broadcasts = posts
    .filter((c) => c.args.channel === CHANNEL)
    .flatMap((c) => {
      const match = BROADCAST.exec(String(c.args.text));
      return match ? [`${match[1]} ${match[2]}`] : [];
    });
  const likeDms = posts
    .filter((c) => metadataOf(c)?.event_type === 'til_like_dm')
    .map((c) => String(metadataOf(c)?.event_payload?.id));
  const alerts = posts
    .filter((c) => adminChannels.has(String(c.args.channel)))
    .map((c) => String(c.args.text));
  const ledger = {
    weeklyPosts: tally(weekly),
    broadcasts: tally(broadcasts),
    likeDms: tally(likeDms),
  };
  return {
    ...ledger,
    alerts,
    doubled: [
      ...repeated(ledger.weeklyPosts).map((k) => `weekly post ${k}`),
      ...repeated(ledger.broadcasts).map((k) => `broadcast ${k}`),
      ...repeated(ledger.likeDms).map((k) => `like DM ${k}`),
    ],
    posts: posts.length,
    calls: calls.length,
  };
}

/** Sum of a tally's counts. */
export const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
