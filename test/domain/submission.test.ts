import { describe, expect, it } from 'vitest';
import { targetTs } from '../../functions/domain/calendar.js';
import {
  adoptIntoWeek,
  applyEvent,
  countedLikes,
  countsForWeek,
  isLate,
  transitionEffects,
} from '../../functions/domain/submission.js';
import type { ChallengeEvent, SubmissionState } from '../../functions/domain/types.js';
import {
  applyAll,
  CHANNEL,
  config,
  deleted,
  edited,
  LINK,
  NO_LINK,
  posted,
  reaction,
  selfLikes,
  thread4,
  tsAt,
  week4,
  week5,
} from './fixtures.js';

/** A reply on Tuesday of week 4, and instants `minutes` after it. */
const reply = tsAt('2026-11-24T10:00:00', 1);
const afterReply = (minutes: number) => `${Number(reply.split('.')[0]) + minutes * 60}.000000`;
/** After week 4's deadline (Sunday 2026-11-29 23:59:59.999). */
const lateTs = tsAt('2026-11-30T00:00:00', 0);

describe('applyEvent: messages', () => {
  it('records a reply with a link in a weekly thread as an on-time submission', () => {
    const state = applyAll([posted(reply, `TIL ${LINK}`)]);
    expect(state).toEqual({
      replyTs: reply,
      channel: CHANNEL,
      author: 'UAUTHOR',
      threadTs: thread4,
      weekKey: '2026-11-W4',
      content: { text: `TIL ${LINK}`, blockUrls: [], versionTs: reply },
      links: ['https://velog.io/@me/til-1'],
      linksByVersion: { [reply]: true },
      linkedSince: reply,
      deleted: false,
      reactions: {},
    });
    expect(countsForWeek(state, week4)).toBe(true);
    expect(countsForWeek(state, week5)).toBe(false);
    expect(isLate(state, week4)).toBe(false);
  });

  it('takes links from link blocks too', () => {
    const state = applyAll([posted(reply, '글 올립니다', { blockUrls: ['https://me.github.io/til/1'] })]);
    expect(state.links).toEqual(['https://me.github.io/til/1']);
    expect(countsForWeek(state, week4)).toBe(true);
  });

  it('does not count a reply without an accepted link', () => {
    for (const text of [NO_LINK, '<https://medium.com/@me/x>', '<https://velog.io.evil.example/x>']) {
      const state = applyAll([posted(reply, text)]);
      expect(state.links, text).toEqual([]);
      expect(state.linkedSince).toBeUndefined();
      expect(countsForWeek(state, week4)).toBe(false);
      expect(isLate(state, week4)).toBe(false);
    }
  });

  it('does not count a reply outside a weekly thread', () => {
    const topLevel = applyAll([posted(reply, LINK, { threadTs: undefined })], { threadWeek: undefined });
    expect(topLevel.weekKey).toBeUndefined();
    expect(topLevel.threadTs).toBeUndefined();
    expect(countsForWeek(topLevel, week4)).toBe(false);

    const otherThread = applyAll([posted(reply, LINK, { threadTs: tsAt('2026-11-24T09:00:00') })], {
      threadWeek: undefined,
    });
    expect(otherThread.weekKey).toBeUndefined();
    expect(countsForWeek(otherThread, week4)).toBe(false);
  });

  it('makes a reply a submission when an edit adds a link', () => {
    const edit = afterReply(30);
    const state = applyAll([posted(reply, NO_LINK), edited(reply, edit, `${NO_LINK} ${LINK}`)]);
    expect(state.links).toEqual(['https://velog.io/@me/til-1']);
    expect(state.linkedSince).toBe(edit);
    expect(state.content?.versionTs).toBe(edit);
    expect(countsForWeek(state, week4)).toBe(true);
  });

  it('stops counting when an edit removes the link, and restarts the clock when one is added back', () => {
    const removed = applyAll([posted(reply, LINK), edited(reply, afterReply(10), NO_LINK)]);
    expect(removed.links).toEqual([]);
    expect(removed.linkedSince).toBeUndefined();
    expect(countsForWeek(removed, week4)).toBe(false);

    const readded = applyAll([edited(reply, afterReply(20), LINK)], { state: removed });
    expect(readded.linkedSince).toBe(afterReply(20));
    expect(countsForWeek(readded, week4)).toBe(true);
  });

  it('keeps the original linkedSince when an edit keeps a link', () => {
    const state = applyAll([
      posted(reply, LINK),
      edited(reply, afterReply(5), `오타 수정 ${LINK}`),
      edited(reply, afterReply(6), '<https://me.github.io/other>'),
    ]);
    expect(state.links).toEqual(['https://me.github.io/other']);
    expect(state.linkedSince).toBe(reply);
  });

  it('never lets an older edit processed late overwrite a newer one', () => {
    const older = edited(reply, afterReply(1), NO_LINK);
    const newer = edited(reply, afterReply(2), `fixed ${LINK}`);
    const state = applyAll([posted(reply, LINK), newer, older]);
    expect(state.content?.text).toBe(`fixed ${LINK}`);
    expect(state.links).toEqual(['https://velog.io/@me/til-1']);
    // The link was missing in version 1, so it has been present continuously only since version 2.
    expect(state.linkedSince).toBe(afterReply(2));
    expect(state).toEqual(applyAll([posted(reply, LINK), older, newer]));
  });

  it('orders versions numerically even within one second', () => {
    const a = tsAt('2026-11-24T10:05:00', 9);
    const b = tsAt('2026-11-24T10:05:00', 10);
    const state = applyAll([posted(reply, NO_LINK), edited(reply, b, LINK), edited(reply, a, NO_LINK)]);
    expect(state.content?.versionTs).toBe(b);
    expect(state.linkedSince).toBe(b);
  });

  it('stops counting a deleted submission, for good', () => {
    const state = applyAll([posted(reply, LINK), reaction(reply, 'U2', true, afterReply(1))]);
    const gone = applyAll([deleted(reply, afterReply(2))], { state });
    expect(gone.deleted).toBe(true);
    expect(countsForWeek(gone, week4)).toBe(false);
    expect(isLate(gone, week4)).toBe(false);
    expect(countedLikes(gone, config)).toBe(0);
    // An edit (or the post itself) processed after the delete does not bring it back.
    const stillGone = applyAll([edited(reply, afterReply(3), LINK), posted(reply, LINK)], { state: gone });
    expect(stillGone.deleted).toBe(true);
    expect(countsForWeek(stillGone, week4)).toBe(false);
  });

  it('remembers a delete processed before the message itself', () => {
    const state = applyAll([deleted(reply, afterReply(2)), posted(reply, LINK)]);
    expect(state.deleted).toBe(true);
    expect(state.author).toBe('UAUTHOR');
    expect(countsForWeek(state, week4)).toBe(false);
  });
});

describe('applyEvent: the deadline', () => {
  it('records a reply after the deadline as late, counting for no week', () => {
    const state = applyAll([posted(lateTs, LINK)]);
    expect(state.weekKey).toBe('2026-11-W4');
    expect(countsForWeek(state, week4)).toBe(false);
    expect(isLate(state, week4)).toBe(true);
    expect(countsForWeek(state, week5)).toBe(false);
    expect(isLate(state, week5)).toBe(false);
  });

  it('counts a reply at the last millisecond', () => {
    const state = applyAll([posted(tsAt('2026-11-29T23:59:59', 999999), LINK)]);
    expect(countsForWeek(state, week4)).toBe(true);
  });

  it('makes an on-time reply late when the edit that adds the link is after the deadline', () => {
    const state = applyAll([posted(reply, NO_LINK), edited(reply, lateTs, LINK)]);
    expect(state.linkedSince).toBe(lateTs);
    expect(countsForWeek(state, week4)).toBe(false);
    expect(isLate(state, week4)).toBe(true);
  });

  it('makes an on-time submission late when its link is removed and added back after the deadline', () => {
    const state = applyAll([
      posted(reply, LINK),
      edited(reply, afterReply(5), NO_LINK),
      edited(reply, lateTs, LINK),
    ]);
    expect(isLate(state, week4)).toBe(true);
  });

  it('keeps an on-time submission counting when it is edited after the deadline with the link kept', () => {
    const state = applyAll([posted(reply, LINK), edited(reply, lateTs, `수정 ${LINK}`)]);
    expect(state.linkedSince).toBe(reply);
    expect(countsForWeek(state, week4)).toBe(true);
  });
});

describe('applyEvent: reactions', () => {
  it('counts distinct users whose latest mark is an add', () => {
    const state = applyAll([
      posted(reply, LINK),
      reaction(reply, 'U2', true, afterReply(1)),
      reaction(reply, 'U3', true, afterReply(2)),
      reaction(reply, 'U4', true, afterReply(3)),
      reaction(reply, 'U4', false, afterReply(4)),
    ]);
    expect(state.reactions).toEqual({
      U2: { added: true, eventTs: afterReply(1) },
      U3: { added: true, eventTs: afterReply(2) },
      U4: { added: false, eventTs: afterReply(4) },
    });
    expect(countedLikes(state, config)).toBe(2);
  });

  it('counts one like per user however many 👍 variants they used (the edge maps +1, thumbsup, skin tones)', () => {
    const state = applyAll([
      posted(reply, LINK),
      reaction(reply, 'U2', true, afterReply(1)), // +1
      reaction(reply, 'U2', true, afterReply(2)), // thumbsup
      reaction(reply, 'U2', true, afterReply(3)), // +1::skin-tone-3
    ]);
    expect(countedLikes(state, config)).toBe(1);
  });

  it('lets a removal processed before its add win when it is later', () => {
    const state = applyAll([
      posted(reply, LINK),
      reaction(reply, 'U2', false, afterReply(2)),
      reaction(reply, 'U2', true, afterReply(1)),
    ]);
    expect(state.reactions.U2).toEqual({ added: false, eventTs: afterReply(2) });
    expect(countedLikes(state, config)).toBe(0);
  });

  it('lets a re-add processed before the earlier removal win', () => {
    const state = applyAll([
      posted(reply, LINK),
      reaction(reply, 'U2', true, afterReply(3)),
      reaction(reply, 'U2', false, afterReply(2)),
    ]);
    expect(countedLikes(state, config)).toBe(1);
  });

  it('compares reaction times numerically, not as strings', () => {
    const state = applyAll([
      posted(reply, LINK),
      reaction(reply, 'U2', true, '1800000000.000001'),
      reaction(reply, 'U2', false, '999999999.999999'),
    ]);
    expect(countedLikes(state, config)).toBe(1);
  });

  it('lets a removal win an exact tie, in either order', () => {
    const at = afterReply(1);
    for (const order of [
      [true, false],
      [false, true],
    ]) {
      const state = applyAll([
        posted(reply, LINK),
        ...order.map((added) => reaction(reply, 'U2', added, at)),
      ]);
      expect(state.reactions.U2, String(order)).toEqual({ added: false, eventTs: at });
    }
  });

  it('excludes self-likes unless configured', () => {
    const state = applyAll([
      posted(reply, LINK),
      reaction(reply, 'UAUTHOR', true, afterReply(1)),
      reaction(reply, 'U2', true, afterReply(2)),
    ]);
    expect(countedLikes(state, config)).toBe(1);
    expect(countedLikes(state, selfLikes)).toBe(2);
  });

  it('remembers reactions that arrive before the message', () => {
    const early = applyAll([
      reaction(reply, 'U2', true, afterReply(1)),
      reaction(reply, 'UAUTHOR', true, afterReply(2)),
    ]);
    expect(early).toEqual({
      replyTs: reply,
      channel: CHANNEL,
      links: [],
      linksByVersion: {},
      deleted: false,
      reactions: {
        U2: { added: true, eventTs: afterReply(1) },
        UAUTHOR: { added: true, eventTs: afterReply(2) },
      },
    });
    expect(countedLikes(early, config)).toBe(0);
    expect(countsForWeek(early, week4)).toBe(false);

    const known = applyAll([posted(reply, LINK)], { state: early });
    expect(countedLikes(known, config)).toBe(1);
    expect(countedLikes(known, selfLikes)).toBe(2);
  });

  it('keeps reactions on a reply without a link and counts them once a link is added', () => {
    const noLink = applyAll([posted(reply, NO_LINK), reaction(reply, 'U2', true, afterReply(1))]);
    expect(countedLikes(noLink, config)).toBe(0);
    const linked = applyAll([edited(reply, afterReply(2), LINK)], { state: noLink });
    expect(countedLikes(linked, config)).toBe(1);
    const unlinked = applyAll([edited(reply, afterReply(3), NO_LINK)], { state: linked });
    expect(countedLikes(unlinked, config)).toBe(0);
    expect(unlinked.reactions.U2).toEqual({ added: true, eventTs: afterReply(1) });
  });
});

describe('applyEvent: general', () => {
  const events: ChallengeEvent[] = [
    posted(reply, LINK),
    edited(reply, afterReply(1), NO_LINK),
    reaction(reply, 'U2', true, afterReply(2)),
    reaction(reply, 'U2', false, afterReply(3)),
    deleted(reply, afterReply(4)),
  ];

  it('is idempotent: applying an event twice gives the same state', () => {
    let state: SubmissionState | undefined;
    for (const event of events) {
      const once = applyEvent(state, event, { config, threadWeek: week4 });
      expect(applyEvent(once, event, { config, threadWeek: week4 }), event.kind).toEqual(once);
      state = once;
    }
  });

  it('does not mutate the state it is given', () => {
    const state = applyAll([posted(reply, NO_LINK)]);
    const snapshot = structuredClone(state);
    for (const event of events) applyEvent(state, event, { config, threadWeek: week4 });
    expect(state).toEqual(snapshot);
  });

  it('rejects an event about another message', () => {
    const state = applyAll([posted(reply, LINK)]);
    expect(() => applyEvent(state, reaction(afterReply(9), 'U2', true, afterReply(9)), { config })).toThrow(
      /is about message/,
    );
  });

  it('knows the target message of every event kind', () => {
    expect(events.map(targetTs)).toEqual([reply, reply, reply, reply, reply]);
  });
});

describe('transitionEffects', () => {
  const ctx = { config, week: week4, memberAlreadyBroadcast: false };
  const step = (before: SubmissionState | undefined, event: ChallengeEvent, rules = config) => {
    const after = applyEvent(before, event, { config: rules, threadWeek: week4 });
    return { after, effects: transitionEffects(before, after, { ...ctx, config: rules }) };
  };
  const broadcast = {
    kind: 'broadcast',
    id: 'broadcast:2026-11-W4:UAUTHOR',
    weekKey: '2026-11-W4',
    userId: 'UAUTHOR',
    replyTs: reply,
    threadTs: thread4,
  };

  it('broadcasts when a reply first counts', () => {
    expect(step(undefined, posted(reply, LINK)).effects).toEqual([broadcast]);
  });

  it('does not broadcast when the member was already broadcast for that week', () => {
    const after = applyAll([posted(reply, LINK)]);
    expect(transitionEffects(undefined, after, { ...ctx, memberAlreadyBroadcast: true })).toEqual([]);
  });

  it('does not broadcast again on a redelivered event or an edit', () => {
    const first = step(undefined, posted(reply, LINK)).after;
    expect(step(first, posted(reply, LINK)).effects).toEqual([]);
    expect(step(first, edited(reply, afterReply(1), `더 좋은 ${LINK}`)).effects).toEqual([]);
  });

  it('broadcasts when an edit adds the link', () => {
    const noLink = step(undefined, posted(reply, NO_LINK));
    expect(noLink.effects).toEqual([]);
    expect(step(noLink.after, edited(reply, afterReply(1), LINK)).effects).toEqual([broadcast]);
  });

  it('says nothing for a late reply, a reply without a link, or outside a weekly week', () => {
    expect(step(undefined, posted(lateTs, LINK)).effects).toEqual([]);
    expect(step(undefined, posted(reply, NO_LINK)).effects).toEqual([]);
    const after = applyAll([posted(reply, LINK)]);
    expect(transitionEffects(undefined, after, { ...ctx, week: undefined })).toEqual([]);
    expect(transitionEffects(undefined, after, { ...ctx, week: week5 })).toEqual([]);
  });

  it('gives distinct like DM ids to an add and a remove that share an eventTs (found by the property test)', () => {
    // U2 likes (1), U3 likes (2), then U2's removal with the same eventTs as the add wins the tie (1 again).
    const s0 = applyAll([posted(reply, LINK)]);
    const u2Added = step(s0, reaction(reply, 'U2', true, afterReply(1)));
    const u3Added = step(u2Added.after, reaction(reply, 'U3', true, afterReply(2)));
    const u2Removed = step(u3Added.after, reaction(reply, 'U2', false, afterReply(1)));
    expect(countedLikes(u2Removed.after, config)).toBe(1);
    const ids = [u2Added, u3Added, u2Removed].flatMap((s) => s.effects.map((e) => e.id));
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });

  it('sends a like DM when a reaction changes the counted likes', () => {
    const s0 = applyAll([posted(reply, LINK)]);
    const added = step(s0, reaction(reply, 'U2', true, afterReply(1)));
    expect(added.effects).toEqual([
      {
        kind: 'like_dm',
        id: `like_dm:${reply}:U2:${afterReply(1)}:added`,
        weekKey: '2026-11-W4',
        userId: 'UAUTHOR',
        replyTs: reply,
        reactionTs: afterReply(1),
        likes: 1,
      },
    ]);
    const removed = step(added.after, reaction(reply, 'U2', false, afterReply(2)));
    expect(removed.effects).toEqual([
      {
        kind: 'like_dm',
        id: `like_dm:${reply}:U2:${afterReply(2)}:removed`,
        weekKey: '2026-11-W4',
        userId: 'UAUTHOR',
        replyTs: reply,
        reactionTs: afterReply(2),
        likes: 0,
      },
    ]);
  });

  it('gives each like change its own id, even when a count comes back', () => {
    let state = applyAll([posted(reply, LINK)]);
    const ids: string[] = [];
    for (const event of [
      reaction(reply, 'U2', true, afterReply(10)),
      reaction(reply, 'U3', true, afterReply(5)),
      reaction(reply, 'U3', false, afterReply(6)),
      reaction(reply, 'U3', true, afterReply(7)),
    ]) {
      const next = step(state, event);
      ids.push(...next.effects.map((effect) => effect.id));
      state = next.after;
    }
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
  });

  it('sends no like DM when a reaction does not change the count', () => {
    const s1 = step(applyAll([posted(reply, LINK)]), reaction(reply, 'U2', true, afterReply(2))).after;
    // Older than the mark it would replace: ignored.
    expect(step(s1, reaction(reply, 'U2', false, afterReply(1))).effects).toEqual([]);
    // The same user again: still one like.
    expect(step(s1, reaction(reply, 'U2', true, afterReply(3))).effects).toEqual([]);
    // A self-like that does not count.
    expect(step(s1, reaction(reply, 'UAUTHOR', true, afterReply(4))).effects).toEqual([]);
  });

  it('sends a like DM for a self-like when self-likes count', () => {
    const s0 = applyAll([posted(reply, LINK)], { rules: selfLikes });
    expect(step(s0, reaction(reply, 'UAUTHOR', true, afterReply(1)), selfLikes).effects).toMatchObject([
      { kind: 'like_dm', likes: 1 },
    ]);
  });

  it('sends no like DM for reactions before the link, when the link is added, or when the reply is deleted', () => {
    const noLink = step(undefined, posted(reply, NO_LINK)).after;
    const reacted = step(noLink, reaction(reply, 'U2', true, afterReply(1)));
    expect(reacted.effects).toEqual([]);
    const linked = step(reacted.after, edited(reply, afterReply(2), LINK));
    expect(countedLikes(linked.after, config)).toBe(1);
    expect(linked.effects).toEqual([broadcast]);
    expect(step(linked.after, deleted(reply, afterReply(3))).effects).toEqual([]);
    expect(step(linked.after, edited(reply, afterReply(3), NO_LINK)).effects).toEqual([]);
  });

  it('sends no like DM when the submission only starts counting, even with a reaction in the same transition', () => {
    const before = applyAll([posted(reply, NO_LINK), reaction(reply, 'U2', true, afterReply(1))]);
    const after = applyAll([edited(reply, afterReply(2), LINK), reaction(reply, 'U3', true, afterReply(3))], {
      state: before,
    });
    expect(countedLikes(after, config)).toBe(2);
    expect(transitionEffects(before, after, ctx)).toEqual([broadcast]);
  });

  it('sends no like DM for a reaction on a late reply', () => {
    const late = applyAll([posted(lateTs, LINK)]);
    expect(
      transitionEffects(late, applyAll([reaction(lateTs, 'U2', true, lateTs)], { state: late }), ctx),
    ).toEqual([]);
  });
});

describe('adoptIntoWeek', () => {
  it('puts a reply that arrived before its thread was recorded into the week, and then it counts', () => {
    const orphan = applyEvent(undefined, posted(tsAt('2026-11-24T10:00:00', 7), LINK), { config });
    expect(orphan.weekKey).toBeUndefined();
    expect(countsForWeek(orphan, week4)).toBe(false);
    const adopted = adoptIntoWeek(orphan, week4);
    expect(adopted.weekKey).toBe(week4.key);
    expect(countsForWeek(adopted, week4)).toBe(true);
    expect(
      transitionEffects(orphan, adopted, { config, week: week4, memberAlreadyBroadcast: false }),
    ).toEqual([
      expect.objectContaining({ kind: 'broadcast', userId: adopted.author, replyTs: adopted.replyTs }),
    ]);
  });

  it('leaves a reply already in a week, or one not in a thread, as it is', () => {
    const inWeek5 = applyEvent(undefined, posted(tsAt('2026-11-24T10:00:00', 8), LINK), {
      config,
      threadWeek: week5,
    });
    expect(adoptIntoWeek(inWeek5, week4)).toBe(inWeek5);
    const reactionOnly = applyEvent(
      undefined,
      reaction(tsAt('2026-11-24T10:00:00', 9), 'U2', true, tsAt('2026-11-24T11:00:00', 1)),
      { config },
    );
    expect(adoptIntoWeek(reactionOnly, week4)).toBe(reactionOnly);
  });
});

describe('keys that come from outside (user ids, version ts)', () => {
  const prototypeNames = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
  /** As the store keeps it: JSON, read back into ordinary objects. */
  const stored = (state: SubmissionState) => JSON.parse(JSON.stringify(state)) as SubmissionState;

  it('#12: a 👍 by a user named like an object prototype member is one like like any other', () => {
    let state = applyAll([posted(reply, LINK)]);
    prototypeNames.forEach((user, i) => {
      state = applyAll([reaction(reply, user, true, afterReply(i + 1))], { state });
    });
    expect(countedLikes(state, config)).toBe(prototypeNames.length);
    expect(Object.keys(state.reactions).sort()).toEqual([...prototypeNames].sort());

    // Read back from the store, then changed by later events: still the same users, each once.
    state = applyAll([reaction(reply, '__proto__', false, afterReply(10))], { state: stored(state) });
    state = applyAll([reaction(reply, 'constructor', false, afterReply(11))], { state: stored(state) });
    state = applyAll([reaction(reply, 'constructor', true, afterReply(9))], { state: stored(state) });
    expect(countedLikes(stored(state), config)).toBe(prototypeNames.length - 2);
    expect(Object.getOwnPropertyDescriptor(stored(state).reactions, '__proto__')?.value).toEqual({
      added: false,
      eventTs: afterReply(10),
    });
  });

  it('#12: an author named like a prototype member does not count their own 👍 and gets the like DM', () => {
    const before = applyAll([posted(reply, LINK, { user: 'constructor' })]);
    const after = applyAll([reaction(reply, 'toString', true, afterReply(1))], { state: stored(before) });
    const self = applyAll([reaction(reply, 'constructor', true, afterReply(2))], { state: stored(after) });
    expect(countedLikes(self, config)).toBe(1);
    const effects = transitionEffects(stored(before), after, {
      config,
      week: week4,
      memberAlreadyBroadcast: true,
    });
    expect(effects).toMatchObject([{ kind: 'like_dm', userId: 'constructor', likes: 1 }]);
  });

  it('#12: a state stored before (ordinary JSON objects) still loads and takes new events', () => {
    const legacy = stored(applyAll([posted(reply, LINK), reaction(reply, 'U2', true, afterReply(1))]));
    const next = applyAll([reaction(reply, 'U3', true, afterReply(2))], { state: legacy });
    expect(countedLikes(next, config)).toBe(2);
    expect(next.reactions.U2).toEqual({ added: true, eventTs: afterReply(1) });
  });
});
