/** Shared vocabulary of the challenge rules. Everything here is plain data: no I/O. */

/** Slack message timestamp, e.g. "1793577600.000100" (seconds.micros, unique per channel). */
export type SlackTs = string;
export type UserId = string;
/** "2026-11" */
export type MonthKey = string;
/** "2026-11-W4" */
export type WeekKey = string;

export interface Week {
  key: WeekKey;
  month: MonthKey;
  /** Ordinal of the week's Monday within its month: 1..5. */
  ordinal: number;
  /** "TIL 11월 4주차" */
  label: string;
  /** Local date of the Monday, "2026-11-23". */
  startsOn: string;
  /** Monday 00:00 local, epoch milliseconds. */
  startMs: number;
  /** Sunday 23:59:59.999 local, epoch milliseconds (inclusive). */
  deadlineMs: number;
  /** Sunday 23:59:59.999 local as ISO-8601 with the local offset, "2026-11-29T23:59:59.999+09:00". */
  deadlineIso: string;
  /** An admin skipped it (a holiday, SPEC 9): not needed for challengers or streaks. Set by `effectiveWeek`. */
  skipped?: true;
}

/** One version of a message's content as Slack delivered it. */
export interface MessageContent {
  text: string;
  /** URLs of rich-text `link` elements (and attachment/link blocks) found in `blocks`. */
  blockUrls: string[];
  /** ts of this version: the message ts for the original, `edited.ts` for an edit. */
  versionTs: SlackTs;
}

/** What a new reply and an edit of it both carry. */
interface MessageEventFields {
  eventId: string;
  eventTs: SlackTs;
  channel: string;
  ts: SlackTs;
  threadTs?: SlackTs;
  user: UserId;
  content: MessageContent;
}

/**
 * A Slack event normalised at the edge, about a message in the challenge channel.
 * Bots, the app itself, other channels and unknown types never become a ChallengeEvent.
 */
export type ChallengeEvent =
  | ({ kind: 'message_posted' } & MessageEventFields)
  | ({ kind: 'message_edited' } & MessageEventFields)
  | {
      kind: 'message_deleted';
      eventId: string;
      eventTs: SlackTs;
      channel: string;
      /** deleted_ts */
      ts: SlackTs;
    }
  | {
      kind: 'reaction';
      eventId: string;
      eventTs: SlackTs;
      channel: string;
      /** item.ts: the message reacted to */
      itemTs: SlackTs;
      user: UserId;
      /** Only 👍 reactions become events: +1 / thumbsup with any skin tone. */
      added: boolean;
    };

/** Rules configuration the pure functions need (parsed from env at the edge). */
export interface RulesConfig {
  timeZone: string;
  /** Host patterns: exact host or "*.example.com" (any subdomain, not the apex). */
  allowedBlogHosts: string[];
  countSelfLikes: boolean;
}

/** Latest known 👍 state of one user on one item. Order-independence comes from comparing eventTs. */
export interface ReactionMark {
  added: boolean;
  eventTs: SlackTs;
}

/**
 * State of one reply (or of a message known only through reactions so far).
 * Stored one document per reply ts; never grows with the size of the month.
 */
export interface SubmissionState {
  /** The reply ts: the document's identity. */
  replyTs: SlackTs;
  channel: string;
  /** Set once the message itself is known. */
  author?: UserId;
  threadTs?: SlackTs;
  /** Week whose thread this reply is in (derived from threadTs), when the thread is a weekly thread. */
  weekKey?: WeekKey;
  /** Latest content version seen (highest versionTs wins). */
  content?: MessageContent;
  /** Accepted blog links in the latest content. */
  links: string[];
  /**
   * Whether each content version seen (by versionTs) had accepted links. Kept so that linkedSince comes out
   * the same whatever order edits are processed in; bounded by the number of edits of one message.
   */
  linksByVersion: Record<SlackTs, boolean>;
  /** versionTs of the content version since which the links have been continuously present. */
  linkedSince?: SlackTs;
  deleted: boolean;
  /** An admin excluded the reply (`/til admin exclude`): it counts for nothing until included again. */
  excluded?: boolean;
  /**
   * Latest 👍 mark per user. Keyed by ids from outside, so built without a prototype and read by own keys only
   * (`constructor` is a user like any other); stored as plain JSON, which reads back the same.
   */
  reactions: Record<UserId, ReactionMark>;
}

/** Side effects a transition causes, returned as data for the caller to perform and record. */
export type Effect =
  | {
      kind: 'broadcast';
      /** Stable id: one per member and week. */
      id: string;
      weekKey: WeekKey;
      userId: UserId;
      replyTs: SlackTs;
      threadTs: SlackTs;
    }
  | {
      kind: 'like_dm';
      /** Stable id: reply ts and the reaction mark that changed the count (user, eventTs, added or removed). */
      id: string;
      weekKey: WeekKey;
      userId: UserId;
      replyTs: SlackTs;
      /** event_ts of that reaction: the DM is sent after it, so a search for a DM already sent starts there. */
      reactionTs: SlackTs;
      likes: number;
    }
  | {
      /** SPEC 8: an ephemeral note to the author of a reply that does not count. */
      kind: 'reply_feedback';
      /** Stable id: one per reply and reason. */
      id: string;
      weekKey: WeekKey;
      userId: UserId;
      replyTs: SlackTs;
      threadTs: SlackTs;
      reason: 'no_link' | 'late';
    };

/** Per-member aggregate over one month. */
export interface MemberMonth {
  userId: UserId;
  weeks: WeekKey[];
  /** Posted weeks passed (SPEC 8) and not taken part in after all. */
  passes: WeekKey[];
  submissions: number;
  likes: number;
  challenger: boolean;
}

export interface MonthResult {
  members: MemberMonth[];
  challengers: UserId[];
  specialChallengers: UserId[];
  /** Per posted week: distinct participants and counted likes. */
  weeks: { key: WeekKey; participants: number; likes: number }[];
}
