/**
 * app_home_opened through the consumer (createServices' processEvent): published once per opening window, judged
 * on Slack's event_ts, again on a redelivery of the opening that published (its first attempt may not have reached
 * Slack), never for the Messages tab; a failed publish is logged and completes the message.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HOME_REOPEN_WINDOW_MS } from '../../functions/app/homeTab.js';
import { type Harness, harness, webApiSlack } from '../handlers/helpers.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import { appHomeOpened, tsAt } from '../support/slackPayloads.js';

const NOW_MS = Date.parse('2026-12-01T10:00:00+09:00');
let fake: FakeSlack;
let h: Harness;
beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(() => fake.close());
beforeEach(async () => {
  fake.calls.length = 0;
  h = await harness({
    slack: webApiSlack(fake, { debug() {}, info() {}, warn() {}, error() {} }),
    now: () => NOW_MS,
  });
});
afterEach(() => h.dispose());

const opened = (user: string, atMs: number, eventId: string, tab = 'home') => {
  const { event_id, event } = appHomeOpened({
    user,
    eventTs: tsAt(new Date(atMs).toISOString(), 1),
    eventId,
    tab,
  });
  return h.services.processEvent.process(
    { eventId: event_id, event },
    { messageId: event_id, deliveryCount: 1 },
  );
};
const publishes = (user: string) =>
  fake.calls.filter((c) => c.ok && c.method === 'views.publish' && c.args.user_id === user);

describe('App Home publishing', () => {
  it('publishes once for openings closer than the window, again after it', async () => {
    expect(await opened('U0ALICE', NOW_MS, 'Ev1')).toEqual({ applied: true, effects: 0 });
    expect(await opened('U0ALICE', NOW_MS + HOME_REOPEN_WINDOW_MS - 1, 'Ev2')).toMatchObject({
      applied: false,
    });
    // Slack's order is not the queue's: an earlier opening arriving later is within the window too.
    expect(await opened('U0ALICE', NOW_MS - 500, 'Ev3')).toMatchObject({ applied: false });
    expect(publishes('U0ALICE')).toHaveLength(1);
    await opened('U0ALICE', NOW_MS + HOME_REOPEN_WINDOW_MS, 'Ev4');
    expect(publishes('U0ALICE')).toHaveLength(2);
    // Another member is not held back by Alice's window.
    await opened('U0BOB', NOW_MS, 'Ev5');
    expect(publishes('U0BOB')).toHaveLength(1);
  });

  it('a redelivery of the opening that published publishes again; the Messages tab never', async () => {
    await opened('U0ALICE', NOW_MS, 'Ev1');
    await opened('U0ALICE', NOW_MS, 'Ev1');
    expect(publishes('U0ALICE')).toHaveLength(2);
    expect(await opened('U0CAROL', NOW_MS, 'Ev9', 'messages')).toMatchObject({ applied: false });
    expect(publishes('U0CAROL')).toEqual([]);
  });

  it('a publish Slack refuses is logged and the message completes (a view is not worth a retry)', async () => {
    fake.failNext('views.publish', { error: 'invalid_arguments' });
    expect(await opened('U0ALICE', NOW_MS, 'Ev1')).toMatchObject({
      applied: false,
      ignored: 'publish failed',
    });
    expect(h.log.lines.some((l) => l.startsWith('warn App Home of U0ALICE not published'))).toBe(true);
  });
});
