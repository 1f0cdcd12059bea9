import { describe, expect, it } from 'vitest';
import { feedbackReason, replyFeedbackEffect } from '../../functions/domain/replyFeedback.js';
import {
  applyAll,
  deleted,
  edited,
  LINK,
  NO_LINK,
  posted,
  reaction,
  thread4,
  tsAt,
  week4,
} from './fixtures.js';

const onTime = tsAt('2026-11-25T10:00:00', 1);
const late = tsAt('2026-11-30T10:00:00', 2);

describe('feedbackReason', () => {
  it('no_link for a reply without an accepted link, nothing for one with', () => {
    expect(feedbackReason(applyAll([posted(onTime, NO_LINK)]), week4)).toBe('no_link');
    expect(feedbackReason(applyAll([posted(onTime, '<https://velog.io.evil.example/x>')]), week4)).toBe(
      'no_link',
    );
    expect(feedbackReason(applyAll([posted(onTime, LINK)]), week4)).toBeUndefined();
  });

  it('late for a reply after the deadline, with a link or without', () => {
    expect(feedbackReason(applyAll([posted(late, LINK)]), week4)).toBe('late');
    expect(feedbackReason(applyAll([posted(late, NO_LINK)]), week4)).toBe('late');
  });

  it('late when the link came in an edit after the deadline', () => {
    const state = applyAll([posted(onTime, NO_LINK), edited(onTime, tsAt('2026-11-30T01:00:00', 3), LINK)]);
    expect(feedbackReason(state, week4)).toBe('late');
  });

  it('nothing for a deleted reply, one known only by its 👍, or one outside a weekly thread', () => {
    expect(
      feedbackReason(
        applyAll([posted(onTime, NO_LINK), deleted(onTime, tsAt('2026-11-25T11:00:00', 4))]),
        week4,
      ),
    ).toBeUndefined();
    expect(feedbackReason(applyAll([reaction(onTime, 'U2', true, onTime)]), week4)).toBeUndefined();
    expect(
      feedbackReason(applyAll([posted(onTime, NO_LINK)], { threadWeek: undefined }), week4),
    ).toBeUndefined();
    expect(feedbackReason(applyAll([posted(onTime, NO_LINK)]), undefined)).toBeUndefined();
  });
});

describe('replyFeedbackEffect', () => {
  it('one note per reply and reason, in the reply’s thread, to its author', () => {
    const state = applyAll([posted(onTime, NO_LINK, { user: 'U0ME' })]);
    expect(replyFeedbackEffect(state, week4, [])).toEqual({
      kind: 'reply_feedback',
      id: `reply_feedback:${onTime}:no_link`,
      weekKey: week4.key,
      userId: 'U0ME',
      replyTs: onTime,
      threadTs: thread4,
      reason: 'no_link',
    });
    expect(replyFeedbackEffect(state, week4, ['no_link'])).toBeUndefined();
    // Another reason is another note: the link added after the deadline.
    const lateEdit = applyAll([edited(onTime, tsAt('2026-11-30T01:00:00', 3), LINK, { user: 'U0ME' })], {
      state,
    });
    expect(replyFeedbackEffect(lateEdit, week4, ['no_link'])?.reason).toBe('late');
  });
});
