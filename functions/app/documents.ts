import type { Doc } from '../adapters/store/store.js';
import { routingMonthOfTs } from '../domain/calendar.js';
import type { MonthSummary } from '../domain/history.js';
import type { FeedbackReason } from '../domain/replyFeedback.js';
import type { Effect, MonthKey, SlackTs, SubmissionState, UserId, Week, WeekKey } from '../domain/types.js';

/**
 * The stored documents. Partition key = channel + routing month, so a reply and every event about it share one
 * partition; each document is small and none grows with the size of the month.
 */
export const monthPartition = (channel: string, month: MonthKey) => `${channel}:${month}`;
export const memberPartition = (channel: string) => `${channel}:members`;
export const deadLetterPartition = (channel: string) => `${channel}:deadletters`;

/** One weekly thread. Created (claimed) before posting so a week is posted at most once. */
export interface WeekDoc extends Doc {
  type: 'week';
  channel: string;
  month: MonthKey;
  weekKey: WeekKey;
  ordinal: number;
  /** claimed: a tick owns the post; posted: threadTs is known. */
  status: 'claimed' | 'posted';
  claimedAt: string;
  /** Until this instant no other tick may take the claim over (a crashed poster's claim expires). */
  claimExpiresAt: string;
  /** Since when the post has kept failing (cleared by the post): a transient failure alerts only if it lasts. */
  failingSince?: string;
  threadTs?: SlackTs;
  /** The thread's Slack permalink, fetched once (at the post, or at the first read that lacks it). */
  threadUrl?: string;
  postedAt?: string;
}
export const weekDocId = (weekKey: WeekKey) => `week:${weekKey}`;

/** The fields of `week`'s document that do not depend on where its post stands. */
export const weekDocIdentity = (channel: string, week: Week) =>
  ({
    id: weekDocId(week.key),
    pk: monthPartition(channel, week.month),
    type: 'week',
    channel,
    month: week.month,
    weekKey: week.key,
    ordinal: week.ordinal,
  }) as const;

/**
 * Thread ts → week, in the partition of the thread ts's own routing month (where its replies' events look).
 * Written right after Slack accepts the weekly post; replies processed before that are adopted by the
 * thread_recorded message that follows it.
 */
export interface ThreadDoc extends Doc {
  type: 'thread';
  weekKey: WeekKey;
  threadTs: SlackTs;
}
export const threadDocId = (threadTs: SlackTs) => `thread:${threadTs}`;

export const threadDocument = (
  channel: string,
  threadTs: SlackTs,
  week: Week,
  timeZone: string,
): ThreadDoc => ({
  id: threadDocId(threadTs),
  pk: monthPartition(channel, routingMonthOfTs(threadTs, timeZone)),
  type: 'thread',
  weekKey: week.key,
  threadTs,
});

/** One reply (or a message known so far only through 👍 reactions), with its pending side effects. */
export interface SubmissionDoc extends Doc {
  type: 'submission';
  channel: string;
  month: MonthKey;
  /** Copied from state for single-partition queries. */
  author?: UserId;
  threadTs?: SlackTs;
  weekKey?: WeekKey;
  state: SubmissionState;
  /** Side effects caused by a state change, recorded in the same write; removed once performed. */
  outbox: OutboxEntry[];
  /** Set while the outbox is not empty, for the sweep's query (see app/outbox.ts). */
  pendingEffects?: true;
  /** Who is performing the outbox now, so that a sweep and an event never perform one effect at once. */
  outboxLease?: OutboxLease;
  /** Reply feedback notes already given (SPEC 8): once per reply and reason. */
  feedbackGiven?: FeedbackReason[];
  /** With LIKE_DM=batched: the last like DM about this reply (app/likeDmBatching.ts). */
  likeDmSent?: LikeDmSent;
}

/** When the last like DM about a reply was sent, and the reply's counted likes then. */
export interface LikeDmSent {
  at: string;
  likes: number;
}

export interface OutboxLease {
  owner: string;
  until: string;
}

/**
 * How far performing one pending effect has got: failures so far (the first one's instant and the last one's
 * error), when to try next, and whether a send may have reached Slack (set just before a DM is sent: the next
 * attempt looks for that DM before sending it again).
 */
export interface EffectAttempts {
  failedAttempts?: number;
  firstFailedAt?: string;
  nextAttemptAt?: string;
  lastError?: string;
  /** The last failure may heal by itself (Slack down): retried early once Slack is seen working again. */
  transient?: boolean;
  sendStarted?: boolean;
}

/** A pending effect, the event that caused it (named in an alert), and its attempts. */
export type OutboxEntry = Effect & EffectAttempts & { eventId?: string };
export const submissionDocId = (replyTs: SlackTs) => `submission:${replyTs}`;

/** `state` stored in `month`'s partition, with the fields single-partition queries filter on copied out of it. */
export const submissionDocument = (
  channel: string,
  month: MonthKey,
  state: SubmissionState,
  outbox: OutboxEntry[],
): SubmissionDoc => ({
  id: submissionDocId(state.replyTs),
  pk: monthPartition(channel, month),
  type: 'submission',
  channel,
  month,
  author: state.author,
  threadTs: state.threadTs,
  weekKey: state.weekKey,
  state,
  outbox,
});

/**
 * Where the re-sync of one week's thread from Slack stands (SPEC 9), so a restart or another instance does not
 * read it again before it is due: the last complete read, the failures since (with their backoff), and the lease
 * of the instance reading it now. The award's wait for its re-sync's repairs is kept in one per month.
 */
export interface ResyncDoc extends Doc {
  type: 'resync';
  /** A week key, or `award:2026-11`. */
  key: string;
  lastCompletedAt?: string;
  failures?: number;
  nextAttemptAt?: string;
  lastError?: string;
  /** An instance is reading the thread until then; another one leaves it alone. */
  leaseUntil?: string;
  /** The award of the month: since when its re-sync has kept finding repairs to wait for. */
  repairingSince?: string;
}
export const resyncDocId = (key: string) => `resync:${key}`;

/** A member's first participation in a week: the claim that makes the broadcast happen once. */
export interface ParticipationDoc extends Doc {
  type: 'participation';
  weekKey: WeekKey;
  userId: UserId;
  /** The reply whose effect claimed the broadcast; only it may perform it. */
  replyTs: SlackTs;
  /** abandoned: the claiming reply's broadcast was given up, so another reply of the member may claim it. */
  status: 'pending' | 'sent' | 'abandoned';
  broadcastTs?: SlackTs;
  /** The earliest reply that ever held this claim: a broadcast posted by any holder is in the channel after it. */
  searchFromTs?: SlackTs;
}
export const participationDocId = (weekKey: WeekKey, userId: UserId) => `participation:${weekKey}:${userId}`;

/** The monthly award of `month`, stored in that month's partition. */
export interface AwardDoc extends Doc {
  type: 'award';
  channel: string;
  month: MonthKey;
  status: 'claimed' | 'posted';
  claimedAt: string;
  claimExpiresAt: string;
  failingSince?: string;
  messageTs?: SlackTs;
  postedAt?: string;
}
export const awardDocId = (month: MonthKey) => `award:${month}`;

/** Display-name cache so the dashboard never calls Slack. */
export interface MemberDoc extends Doc {
  type: 'member';
  userId: UserId;
  name: string;
  isBot: boolean;
  fetchedAt: string;
}
export const memberDocId = (userId: UserId) => `member:${userId}`;

/**
 * A closed month's summary for /api/history, written once (create-if-absent) when the month can no longer change:
 * its award is posted, or it ended long ago (imported history, which never gets an award). `version` names the
 * rules it was computed with; a summary of another version is recomputed, so a rule change reaches old months.
 */
export interface MonthSummaryDoc extends Doc {
  type: 'monthSummary';
  channel: string;
  month: MonthKey;
  version: number;
  summary: MonthSummary;
  computedAt: string;
}
export const monthSummaryDocId = (month: MonthKey) => `monthSummary:${month}`;

/**
 * A queue message that was dead-lettered, copied out of the queue before the dead-letter trigger completes it
 * (in Azure that completion deletes the only other copy). Kept until replayed or discarded.
 */
export interface DeadLetterDoc extends Doc {
  type: 'deadLetter';
  messageId: string;
  /** The message's session (routing month), so a replay goes back into it. */
  sessionId?: string;
  /**
   * The queue message body as it was enqueued, as JSON text: a document of its own shape could be refused by the
   * store (nesting, size) exactly when the body is what made the message fail.
   */
  bodyJson: string;
  reason: string;
  description?: string;
  deliveries: number;
  deadLetteredAt: string;
  /** Set once an admin has been told; a redelivery of the dead letter then does not alert again. */
  alertedAt?: string;
  /** Replayed (as a new queue message) or discarded by an admin: no longer listed (app/deadLetters.ts). */
  resolved?: { at: string } & ({ replayedAs: string } | { discarded: true });
}
export const deadLetterDocId = (messageId: string) => `deadLetter:${messageId}`;

/**
 * A member's pass of a week (SPEC 8), in the week's month partition. Never deleted: an undo marks it `undone`, so a
 * pass and its undo are one document written with its ETag. A pass for a week the member then took part in is
 * given back by the rules (domain/passes.ts), not by a write.
 */
export interface PassDoc extends Doc {
  type: 'pass';
  channel: string;
  month: MonthKey;
  weekKey: WeekKey;
  userId: UserId;
  status: 'passed' | 'undone';
  /** When the member asked (Slack's instant), for the pass and for its undo. */
  passedAt: string;
  undoneAt?: string;
  /** The member action that last changed it: its redelivery answers as it did instead of "already". */
  lastActionId?: string;
}
export const passDocId = (weekKey: WeekKey, userId: UserId) => `pass:${weekKey}:${userId}`;

/** A member's settings (members partition): so far only whether they get the weekly reminder. */
export interface MemberPrefsDoc extends Doc {
  type: 'memberPrefs';
  channel: string;
  userId: UserId;
  reminders: boolean;
  updatedAt: string;
}
export const memberPrefsDocId = (userId: UserId) => `memberPrefs:${userId}`;

/** The weekly reminder DM to one member, as an outbox entry: performed, retried and given up like an effect. */
export type ReminderEntry = {
  kind: 'reminder';
  /** `reminder:<week>:<user>`, also the DM's tag id. */
  id: string;
  weekKey: WeekKey;
  userId: UserId;
} & EffectAttempts;

/**
 * The claim that makes a member's reminder of a week happen once (create-if-absent, whoever ticks), holding the DM
 * in its outbox until it is sent. In the week's month partition.
 */
export interface ReminderDoc extends Doc {
  type: 'reminder';
  channel: string;
  month: MonthKey;
  weekKey: WeekKey;
  userId: UserId;
  /** The real clock's instant of the claim. */
  claimedAt: string;
  outbox: ReminderEntry[];
  pendingEffects?: true;
  outboxLease?: OutboxLease;
}
export const reminderDocId = (weekKey: WeekKey, userId: UserId) => `reminder:${weekKey}:${userId}`;

/**
 * When a member's App Home was last published on their opening it (members partition): a second
 * `app_home_opened` soon after (Slack sends one per open, and a double click opens twice) publishes nothing new.
 */
export interface HomeViewDoc extends Doc {
  type: 'homeView';
  channel: string;
  userId: UserId;
  /** The opening that published: Slack's event_ts as epoch ms, and its event id (its redelivery publishes). */
  openedAtMs: number;
  eventId: string;
}
export const homeViewDocId = (userId: UserId) => `homeView:${userId}`;
