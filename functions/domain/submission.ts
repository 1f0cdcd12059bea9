/**
 * The state machine of one reply. Every transition is a merge (latest content version, sticky delete, latest
 * reaction mark per user), so the final state does not depend on the order or repetition of events.
 */
import { compareTs, targetTs, tsToMs } from './calendar.js';
import { acceptedLinks } from './links.js';
import type {
  ChallengeEvent,
  Effect,
  MessageContent,
  ReactionMark,
  RulesConfig,
  SlackTs,
  SubmissionState,
  UserId,
  Week,
} from './types.js';

export interface ApplyContext {
  config: RulesConfig;
  /** The weekly week whose thread is `event.threadTs`; undefined when the reply is not in a weekly thread. */
  threadWeek?: Week;
}

export interface EffectContext {
  config: RulesConfig;
  /** The week of the submission (`after.weekKey`), when it is a weekly week. */
  week?: Week;
  /** The member's participation in `week` was already broadcast (possibly for another reply). */
  memberAlreadyBroadcast: boolean;
}

type MessageEvent = Extract<ChallengeEvent, { kind: 'message_posted' | 'message_edited' }>;

/**
 * The keys of `reactions` (user ids) and `linksByVersion` (ts) come from outside: `constructor` or `__proto__` must
 * be a key like any other. Records are therefore built without a prototype and read by own keys only; a record
 * read back from the store (an ordinary JSON object, where `__proto__` is an own key too) reads the same.
 */
function ownValue<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function withEntry<V>(record: Readonly<Record<string, V>>, key: string, value: V): Record<string, V> {
  const next = Object.create(null) as Record<string, V>;
  for (const [k, v] of Object.entries(record)) next[k] = v;
  next[key] = value;
  return next;
}

function emptyState(replyTs: SlackTs, channel: string): SubmissionState {
  return {
    replyTs,
    channel,
    links: [],
    linksByVersion: Object.create(null),
    deleted: false,
    reactions: Object.create(null),
  };
}

/** The earliest version of the trailing run of versions that all had links. */
function linkedSinceOf(linksByVersion: Record<SlackTs, boolean>): SlackTs | undefined {
  let since: SlackTs | undefined;
  for (const [versionTs, linked] of Object.entries(linksByVersion).sort(([a], [b]) => compareTs(a, b))) {
    since = linked ? (since ?? versionTs) : undefined;
  }
  return since;
}

function withMessage(state: SubmissionState, event: MessageEvent, ctx: ApplyContext): SubmissionState {
  const hosts = ctx.config.allowedBlogHosts;
  const incoming = event.content;
  const linksByVersion = withEntry(
    state.linksByVersion,
    incoming.versionTs,
    acceptedLinks(incoming, hosts).length > 0,
  );
  // An older version processed late must not overwrite a newer one.
  const latest: MessageContent =
    state.content && compareTs(incoming.versionTs, state.content.versionTs) < 0 ? state.content : incoming;
  return {
    ...state,
    author: event.user,
    threadTs: event.threadTs ?? state.threadTs,
    weekKey: ctx.threadWeek?.key ?? state.weekKey,
    content: latest,
    links: acceptedLinks(latest, hosts),
    linksByVersion,
    linkedSince: linkedSinceOf(linksByVersion),
  };
}

/** A later event wins; on the same eventTs a removal wins, so the outcome never depends on arrival order. */
function supersedes(next: ReactionMark, previous: ReactionMark): boolean {
  const order = compareTs(next.eventTs, previous.eventTs);
  return order > 0 || (order === 0 && previous.added && !next.added);
}

function withReaction(state: SubmissionState, user: UserId, mark: ReactionMark): SubmissionState {
  const previous = ownValue(state.reactions, user);
  if (previous && !supersedes(mark, previous)) return state;
  return { ...state, reactions: withEntry(state.reactions, user, mark) };
}

/** The state after `event`; `state` is undefined for a reply not seen before. Never mutates `state`. */
export function applyEvent(
  state: SubmissionState | undefined,
  event: ChallengeEvent,
  ctx: ApplyContext,
): SubmissionState {
  const replyTs = targetTs(event);
  const current = state ?? emptyState(replyTs, event.channel);
  if (current.replyTs !== replyTs) {
    throw new Error(`event ${event.eventId} is about message ${replyTs}, not ${current.replyTs}`);
  }
  switch (event.kind) {
    case 'message_posted':
    case 'message_edited':
      return withMessage(current, event, ctx);
    case 'message_deleted':
      return current.deleted ? current : { ...current, deleted: true };
    case 'reaction':
      return withReaction(current, event.user, { added: event.added, eventTs: event.eventTs });
  }
}

/**
 * The reply's thread turned out to be `week`'s thread (its record was written after the reply arrived): the
 * reply joins the week. A reply already in a week, or not in a thread, is left as it is.
 */
export function adoptIntoWeek(state: SubmissionState, week: Week): SubmissionState {
  return state.weekKey === undefined && state.threadTs !== undefined
    ? { ...state, weekKey: week.key }
    : state;
}

/** A reply by a known member in `week`'s thread that has links and is not deleted, on time or not. */
function isSubmissionIn(
  state: SubmissionState,
  week: Week,
): state is SubmissionState & { linkedSince: SlackTs } {
  return (
    state.author !== undefined &&
    state.weekKey === week.key &&
    !state.deleted &&
    !state.excluded &&
    state.links.length > 0 &&
    state.linkedSince !== undefined
  );
}

/** The reply is a valid submission for `week` whose link was there by the deadline. */
export function countsForWeek(state: SubmissionState, week: Week): boolean {
  return isSubmissionIn(state, week) && tsToMs(state.linkedSince) <= week.deadlineMs;
}

/** The reply (or the edit that added its link) came after `week`'s deadline: it counts for no week. */
export function isLate(state: SubmissionState, week: Week): boolean {
  return isSubmissionIn(state, week) && tsToMs(state.linkedSince) > week.deadlineMs;
}

/** Distinct users whose latest 👍 mark is an add, once the reply has a link and while it is not deleted. */
export function countedLikes(state: SubmissionState, config: RulesConfig): number {
  if (state.deleted || state.excluded || state.links.length === 0) return 0;
  return Object.entries(state.reactions).filter(
    ([user, mark]) => mark.added && (config.countSelfLikes || user !== state.author),
  ).length;
}

/** The most recent reaction mark that differs between the two states. */
function latestReactionChange(
  before: SubmissionState,
  after: SubmissionState,
): { user: UserId; mark: ReactionMark } | undefined {
  let latest: { user: UserId; mark: ReactionMark } | undefined;
  for (const [user, mark] of Object.entries(after.reactions)) {
    const previous = ownValue(before.reactions, user);
    const changed = !previous || previous.added !== mark.added || previous.eventTs !== mark.eventTs;
    if (changed && (!latest || compareTs(mark.eventTs, latest.mark.eventTs) > 0)) latest = { user, mark };
  }
  return latest;
}

/** Side effects of the transition `before` → `after`, for the caller to record with `after` and perform. */
export function transitionEffects(
  before: SubmissionState | undefined,
  after: SubmissionState,
  ctx: EffectContext,
): Effect[] {
  const { week, config } = ctx;
  if (!week || !countsForWeek(after, week)) return [];
  const author = after.author!;
  const countedBefore = before !== undefined && countsForWeek(before, week);
  const effects: Effect[] = [];
  if (!countedBefore && !ctx.memberAlreadyBroadcast) {
    effects.push({
      kind: 'broadcast',
      id: `broadcast:${week.key}:${author}`,
      weekKey: week.key,
      userId: author,
      replyTs: after.replyTs,
      threadTs: after.threadTs!,
    });
  }
  // Only a reaction changes the likes of a submission that counted before and after: a link appearing,
  // disappearing or a delete changes whether it counts, and that is not news for the author.
  if (countedBefore) {
    const likes = countedLikes(after, config);
    const change = latestReactionChange(before, after);
    if (change && likes !== countedLikes(before, config)) {
      effects.push({
        kind: 'like_dm',
        // A user's mark only moves forward in (eventTs, removed-over-added) order, so each mark is set once:
        // the mark itself identifies the transition, even when an add and a remove share an eventTs.
        id: `like_dm:${after.replyTs}:${change.user}:${change.mark.eventTs}:${change.mark.added ? 'added' : 'removed'}`,
        weekKey: week.key,
        userId: author,
        replyTs: after.replyTs,
        reactionTs: change.mark.eventTs,
        likes,
      });
    }
  }
  return effects;
}
