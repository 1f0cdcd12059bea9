import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQueuedMessage, queuedMessageSchema } from '../../functions/app/queuedEvent.js';

const outcome = (parse: () => unknown) => {
  try {
    return { ok: parse() };
  } catch (error) {
    return { error: String(error) };
  }
};

/** Bodies near each member of the union: right and wrong kinds, fields present, missing or of the wrong type. */
const body = fc.record(
  {
    kind: fc.constantFrom('thread_recorded', 'member_action', 'admin_action', 'other', 7, undefined),
    eventId: fc.constantFrom('Ev1', '', 3),
    event: fc.oneof(fc.constant({ type: 'reaction_added', user: 'U0A' }), fc.constant({}), fc.constant('x')),
    threadTs: fc.constantFrom('1793577600.000100', 'nope'),
    weekKey: fc.constantFrom('2026-11-W4', 1),
    action: fc.constantFrom('pass', 'remind_off', 'fly'),
    userId: fc.constantFrom('U0ALICE', 'alice'),
    atMs: fc.constantFrom(1_795_000_000_000, -1),
    actionId: fc.constantFrom('command:1', ''),
    reply: fc.constantFrom(
      { to: 'home' },
      { to: 'response_url', url: 'https://hooks.slack.com/x' },
      { to: 'x' },
    ),
  },
  { requiredKeys: [] },
);

describe('parseQueuedMessage', () => {
  it('gives what queuedMessageSchema.parse gives, result or error, for any body', () => {
    fc.assert(
      fc.property(fc.oneof(body, fc.anything()), (value) => {
        expect(outcome(() => parseQueuedMessage(value))).toEqual(
          outcome(() => queuedMessageSchema.parse(value)),
        );
      }),
      { numRuns: 3000 },
    );
  });
});
