/** The 👍 events the bench sends, signed ahead of time. */
import type { Seeded, SeededSubmission } from './seed.js';
import { eventIdPrefix, reactionBody, signedRequestBytes } from './slackRequests.js';

const tsOf = (seconds: number, micros: number) => `${seconds}.${String(micros).padStart(6, '0')}`;

/**
 * Like churn on a seeded month: event i is member ⌊i / items⌋ (mod members) adding, then (after a full pass over
 * members × items) removing, their 👍 on item i (mod items), each with a later event_ts, so every event is a
 * real change of some submission's state. Every event id is distinct.
 */
export function likeChurn(seeded: Seeded, items = 20): (i: number) => Buffer {
  const targets = seeded.submissions.slice(0, items);
  const members = seeded.members;
  const prefix = eventIdPrefix();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const baseSeconds = Math.floor(Date.now() / 1000);
  const pass = targets.length * members.length;
  return (i: number) => {
    const target = targets[i % targets.length]!;
    const user = members[Math.floor(i / targets.length) % members.length]!;
    return signedRequestBytes(
      reactionBody({
        eventId: `${prefix}X${i}`,
        user,
        itemTs: target.replyTs,
        itemUser: target.author,
        eventTs: tsOf(baseSeconds + Math.floor(i / 1e6), i % 1e6),
        added: Math.floor(i / pass) % 2 === 0,
      }),
      timestamp,
    );
  };
}

export function build(count: number, make: (i: number) => Buffer): Buffer[] {
  return Array.from({ length: count }, (_, i) => make(i));
}

/** A cursor over pre-built requests that builds on the fly past their end (and counts how many it built). */
export function cursor(prebuilt: Buffer[], make: (i: number) => Buffer) {
  let i = 0;
  const state: { late: number; next: () => Buffer } = { late: 0, next: () => Buffer.alloc(0) };
  state.next = () => {
    const k = i++;
    if (k < prebuilt.length) return prebuilt[k]!;
    state.late += 1;
    return make(k);
  };
  return state;
}

/**
 * `count` new 👍, each by a member who has not liked that submission yet (and is not its author), spread over
 * the submissions in turn (over every month when `submissions` interleaves months). Returns the requests and
 * how many land on each month.
 */
export function newLikes(
  seeded: Seeded,
  count: number,
  submissions: SeededSubmission[] = interleavedByMonth(seeded),
): { requests: Buffer[]; perMonth: Map<string, number> } {
  const prefix = eventIdPrefix();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const baseSeconds = Math.floor(Date.now() / 1000);
  const pointer = new Map<SeededSubmission, number>();
  const perMonth = new Map<string, number>();
  const requests: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const target = submissions[i % submissions.length]!;
    let p = pointer.get(target) ?? 0;
    let user = seeded.members[p % seeded.members.length]!;
    while (user === target.author || target.likers.has(user)) {
      p += 1;
      if (p > seeded.members.length * 2) throw new Error('not enough members for new likes');
      user = seeded.members[p % seeded.members.length]!;
    }
    pointer.set(target, p + 1);
    perMonth.set(target.month, (perMonth.get(target.month) ?? 0) + 1);
    requests.push(
      signedRequestBytes(
        reactionBody({
          eventId: `${prefix}N${i}`,
          user,
          itemTs: target.replyTs,
          itemUser: target.author,
          eventTs: tsOf(baseSeconds + Math.floor(i / 1e6), (i % 1e6) + 1),
          added: true,
        }),
        timestamp,
      ),
    );
  }
  return { requests, perMonth };
}

/** Submissions ordered month after month in turn (a, b, c, a, b, c…), so every session has work at once. */
export function interleavedByMonth(seeded: Seeded): SeededSubmission[] {
  const byMonth = seeded.months.map((m) => seeded.submissions.filter((s) => s.month === m));
  const out: SeededSubmission[] = [];
  for (let i = 0; out.length < seeded.submissions.length; i++) {
    for (const list of byMonth) if (list[i]) out.push(list[i]!);
  }
  return out;
}
