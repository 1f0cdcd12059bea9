import { describe, expect, it } from 'vitest';
import { nextSubmissionDocument } from '../../functions/app/transitions.js';
import { applyAll, config, NO_LINK, posted, reaction, tsAt } from '../domain/fixtures.js';

const ts = tsAt('2026-11-25T10:00:00', 1);
const ctx = (replyFeedback: boolean) => ({
  channelId: 'C0TIL',
  month: '2026-11',
  rules: config,
  memberAlreadyBroadcast: false,
  eventId: 'Ev1',
  replyFeedback,
});

describe('reply feedback in the submission document', () => {
  it('REPLY_FEEDBACK=on records the note in the outbox and remembers it was given; off records nothing', () => {
    const state = applyAll([posted(ts, NO_LINK)]);
    const on = nextSubmissionDocument(undefined, state, ctx(true));
    expect(on?.outbox.map((e) => e.kind)).toEqual(['reply_feedback']);
    expect(on?.feedbackGiven).toEqual(['no_link']);
    expect(on?.pendingEffects).toBe(true);
    const off = nextSubmissionDocument(undefined, state, ctx(false));
    expect(off?.outbox).toEqual([]);
    expect(off?.feedbackGiven).toBeUndefined();
  });

  it('a later change of the same reply (a 👍) adds no second note, even once the first was performed', () => {
    const first = nextSubmissionDocument(undefined, applyAll([posted(ts, NO_LINK)]), ctx(true))!;
    const performed = { ...first, outbox: [] };
    const liked = applyAll([reaction(ts, 'U2', true, tsAt('2026-11-25T11:00:00', 2))], {
      state: first.state,
    });
    const next = nextSubmissionDocument(performed, liked, ctx(true));
    expect(next?.outbox).toEqual([]);
    expect(next?.feedbackGiven).toEqual(['no_link']);
  });
});
