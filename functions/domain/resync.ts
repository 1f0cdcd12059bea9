/**
 * Re-sync (SPEC 9): what a thread read from Slack says the store is missing, as the events Slack would have
 * delivered. Applied through the same queue and the same transitions as Slack's own events, so what the store
 * already has changes nothing, and a repeat of the same snapshot over the same store yields the same events (same
 * ids) or, once they are applied, none.
 *
 * Ordering: a snapshot's 👍 carry no timestamp, so each synthetic event is dated `asOfTs`, a lower bound of the
 * instant Slack's state was read (the first page's request, less an allowance for the clocks). A user's stored mark
 * at or after `asOfTs` may come from after the read: the snapshot cannot say anything about it and no event is made
 * for it, and a real event later than `asOfTs` wins over a synthetic one by the ordinary event_ts rule
 * (`supersedes` in submission.ts), whichever is processed first. A reply is taken for deleted only when it is older
 * than `asOfTs` (a newer one may have been posted after its page was read) and its ts is absent from every page.
 */
import { compareTs } from './calendar.js';
import type { ChallengeEvent, MessageContent, SlackTs, SubmissionState, UserId } from './types.js';

/** A member's reply as the thread read shows it. */
export interface SnapshotReply {
  ts: SlackTs;
  user: UserId;
  threadTs: SlackTs;
  /** Its current version: `versionTs` is `edited.ts`, or the ts of a reply never edited. */
  content: MessageContent;
  /** Distinct users with a 👍 (any `+1` / `thumbsup`, any skin tone) on it now. */
  thumbsUp: UserId[];
}

export interface ThreadSnapshot {
  channel: string;
  threadTs: SlackTs;
  /** Lower bound of when Slack's state was read: every synthetic event is dated so. */
  asOfTs: SlackTs;
  /** The members' replies (bots, the app and other subtypes left out). */
  replies: SnapshotReply[];
  /** Every ts the read listed, ignored messages included: only a ts absent here can have been deleted. */
  listedTs: SlackTs[];
}

export interface ResyncOptions {
  /** Reactors whose 👍 never count as events (the app itself, users known to be bots). */
  ignoredReactors?: ReadonlySet<UserId>;
}

export interface RepairCounts {
  replies: number;
  edits: number;
  deletes: number;
  likesAdded: number;
  likesRemoved: number;
}

/**
 * Ids name what the event repairs, never when it was computed: the version of a message, or the stored mark a 👍
 * repair supersedes. Two re-syncs of one snapshot over one store thus enqueue the same ids (the queue's duplicate
 * detection drops the second), and once the first is applied the second finds nothing to repair.
 */
const messageEventId = (ts: SlackTs, versionTs: SlackTs) => `resync:${ts}:v:${versionTs}`;
const deleteEventId = (ts: SlackTs) => `resync:${ts}:deleted`;
const reactionEventId = (ts: SlackTs, user: UserId, added: boolean, basis: SlackTs | undefined) =>
  `resync:${ts}:+1:${user}:${added ? 'on' : 'off'}:${basis ?? 'none'}`;

function messageEvent(reply: SnapshotReply, channel: string): ChallengeEvent {
  const { ts, user, threadTs, content } = reply;
  const fields = { eventTs: content.versionTs, channel, ts, threadTs, user, content };
  const eventId = messageEventId(ts, content.versionTs);
  // A reply never edited is its original post; an edited one is known only as of its edit (its first version,
  // and whether that had a link by the deadline, is lost).
  return content.versionTs === ts
    ? { kind: 'message_posted', eventId, ...fields }
    : { kind: 'message_edited', eventId, ...fields };
}

/** The store lacks this version of the reply (no content yet, or only an older version). */
function lacksVersion(stored: SubmissionState | undefined, content: MessageContent): boolean {
  return !stored?.content || compareTs(content.versionTs, stored.content.versionTs) > 0;
}

function reactionEvents(
  reply: SnapshotReply,
  stored: SubmissionState | undefined,
  snapshot: ThreadSnapshot,
  ignored: ReadonlySet<UserId>,
): ChallengeEvent[] {
  const now = new Set(reply.thumbsUp);
  const marks = stored?.reactions ?? {};
  // An ignored reactor's 👍 is no event either way (the consumer drops a bot's, and the app's own).
  const users = new Set([...now, ...Object.keys(marks)].filter((user) => !ignored.has(user)));
  const events: ChallengeEvent[] = [];
  for (const user of [...users].sort()) {
    const mark = Object.hasOwn(marks, user) ? marks[user] : undefined;
    // A mark from at or after the read may be newer than what the read saw: the read has no say over it.
    if (mark && compareTs(mark.eventTs, snapshot.asOfTs) >= 0) continue;
    const added = now.has(user);
    if ((mark?.added ?? false) === added) continue;
    events.push({
      kind: 'reaction',
      eventId: reactionEventId(reply.ts, user, added, mark?.eventTs),
      eventTs: snapshot.asOfTs,
      channel: snapshot.channel,
      itemTs: reply.ts,
      user,
      added,
    });
  }
  return events;
}

/** A stored reply of this thread that Slack no longer lists although it existed when the thread was read. */
function isGoneFromSlack(state: SubmissionState, snapshot: ThreadSnapshot, listed: Set<SlackTs>): boolean {
  return (
    state.threadTs === snapshot.threadTs &&
    state.content !== undefined &&
    !state.deleted &&
    compareTs(state.replyTs, snapshot.asOfTs) < 0 &&
    !listed.has(state.replyTs)
  );
}

/**
 * The events that bring `stored` (the store's states of the thread's replies, and of any reply ts the snapshot
 * lists) in line with `snapshot`, ordered by reply, each reply's message before its 👍, deletes last.
 */
export function resyncEvents(
  snapshot: ThreadSnapshot,
  stored: readonly SubmissionState[],
  options: ResyncOptions = {},
): ChallengeEvent[] {
  const ignored = options.ignoredReactors ?? new Set<UserId>();
  const byTs = new Map(stored.map((state) => [state.replyTs, state]));
  const events: ChallengeEvent[] = [];
  const replies = [...snapshot.replies].sort((a, b) => compareTs(a.ts, b.ts));
  for (const reply of replies) {
    const state = byTs.get(reply.ts);
    // A delete is final, in Slack as in the store: nothing more happens to a deleted reply.
    if (state?.deleted) continue;
    if (lacksVersion(state, reply.content)) events.push(messageEvent(reply, snapshot.channel));
    events.push(...reactionEvents(reply, state, snapshot, ignored));
  }
  const listed = new Set(snapshot.listedTs);
  const gone = stored
    .filter((state) => isGoneFromSlack(state, snapshot, listed))
    .sort((a, b) => compareTs(a.replyTs, b.replyTs));
  for (const state of gone) {
    events.push({
      kind: 'message_deleted',
      eventId: deleteEventId(state.replyTs),
      eventTs: snapshot.asOfTs,
      channel: snapshot.channel,
      ts: state.replyTs,
    });
  }
  return events;
}

/** What a list of repairs does, for the log and the admins' report. */
export function countRepairs(events: readonly ChallengeEvent[]): RepairCounts {
  const counts: RepairCounts = { replies: 0, edits: 0, deletes: 0, likesAdded: 0, likesRemoved: 0 };
  for (const event of events) {
    if (event.kind === 'message_posted') counts.replies += 1;
    else if (event.kind === 'message_edited') counts.edits += 1;
    else if (event.kind === 'message_deleted') counts.deletes += 1;
    else if (event.added) counts.likesAdded += 1;
    else counts.likesRemoved += 1;
  }
  return counts;
}
