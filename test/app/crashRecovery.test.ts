import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebApiSlack } from '../../functions/adapters/slack/webApiSlack.js';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { Doc, Store } from '../../functions/adapters/store/store.js';
import { consoleLogger } from '../../functions/app/logger.js';
import { createServices, type Services } from '../../functions/app/services.js';
import { loadConfig } from '../../functions/config.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import { CHANNEL } from '../support/localServer.js';
import { reply, tsAt } from '../support/slackPayloads.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

/**
 * A crash after Slack accepted a post but before the store recorded it: the next attempt must find the post
 * (by its message metadata) instead of posting it again.
 */
class Crash extends Error {}

/** A store whose next `times` replaces of a matching document throw, as if the process died at that moment. */
function crashingStore(inner: Store) {
  let armed: ((doc: Doc) => boolean) | undefined;
  let remaining = 0;
  const store: Store = {
    ...inner,
    read: (pk, id) => inner.read(pk, id),
    create: (doc) => inner.create(doc),
    query: (q) => inner.query(q),
    close: () => inner.close(),
    async replace(doc, etag) {
      if (remaining > 0 && armed?.(doc)) {
        remaining -= 1;
        throw new Crash(`simulated crash before recording ${doc.id}`);
      }
      return inner.replace(doc, etag);
    },
  };
  return {
    store,
    crashOnNextReplace(match: (doc: Doc) => boolean, times = 1) {
      armed = match;
      remaining = times;
    },
  };
}

describe('crash between a Slack post and recording it', () => {
  let slack: FakeSlack;
  let dir: TempDir;
  let services: Services;
  let crash: ReturnType<typeof crashingStore>;
  let clock = Date.parse('2026-11-23T09:00:00+09:00');

  beforeEach(async () => {
    clock = Date.parse('2026-11-23T09:00:00+09:00');
    slack = await startFakeSlack({ now: () => clock });
    dir = await makeTempDir('til-crash');
    crash = crashingStore(await openFileStore(dir.path));
    const config = loadConfig({
      TIL_CHANNEL_ID: CHANNEL,
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: slack.url,
    });
    const log = consoleLogger('error');
    services = createServices(config, {
      store: crash.store,
      queue: { send: async () => {}, close: async () => {} },
      slack: createWebApiSlack({ token: 'xoxb-test', apiUrl: slack.url, logger: log }),
      log,
      now: () => clock,
    });
  });

  afterEach(async () => {
    await slack.close();
    await dir.remove();
  });

  const posts = (prefix: string) =>
    slack.calls.filter(
      (c) => c.ok && c.method === 'chat.postMessage' && String(c.args.text).startsWith(prefix),
    );

  it('the weekly post is found, not repeated, when the claim is taken over', async () => {
    // Recording the thread fails, and so does releasing the claim: the process is gone, the claim must expire.
    crash.crashOnNextReplace((doc) => doc.id === 'week:2026-11-W4', 2);
    expect((await services.jobs.runDue(clock)).weeklyPost).toBe('failed');
    expect(posts('*TIL 11월 4주차*')).toHaveLength(1);
    expect((await services.jobs.runDue(clock + 60_000)).weeklyPost).toBe('claimed-elsewhere');

    clock += 3 * 60_000; // past the claim's expiry
    const report = await services.jobs.runDue(clock);
    expect(report.weeklyPost).toBe('posted');
    expect(posts('*TIL 11월 4주차*')).toHaveLength(1);
    expect(slack.calls.some((c) => c.method === 'conversations.history')).toBe(true);

    const again = await services.jobs.runDue(clock + 60_000);
    expect(again.weeklyPost).toBe('already-posted');
    expect(posts('*TIL 11월 4주차*')).toHaveLength(1);
  });

  it('the broadcast is found, not repeated, when the event is redelivered', async () => {
    await services.jobs.runDue(clock);
    const [week] = await crash.store.query<Doc & { threadTs?: string }>({ type: 'week' });
    const threadTs = String(week?.doc.threadTs);
    clock = Date.parse('2026-11-24T12:00:00+09:00');
    const event = reply({
      user: 'U0ALICE',
      ts: tsAt('2026-11-24T10:00:00+09:00'),
      threadTs,
      text: '<https://velog.io/@alice/til>',
    });
    const body = { eventId: event.event_id, event: event.event };

    crash.crashOnNextReplace((doc) => doc.id.startsWith('participation:'));
    await expect(
      services.processEvent.process(body, { messageId: event.event_id, deliveryCount: 1 }),
    ).rejects.toThrow(Crash);
    expect(posts('<@U0ALICE>님이')).toHaveLength(1);

    await services.processEvent.process(body, { messageId: event.event_id, deliveryCount: 2 });
    expect(posts('<@U0ALICE>님이')).toHaveLength(1);
    const participation = await crash.store.read<Doc & { status: string }>(
      `${CHANNEL}:2026-11`,
      'participation:2026-11-W4:U0ALICE',
    );
    expect(participation?.doc.status).toBe('sent');

    // A third delivery has nothing left to do.
    await services.processEvent.process(body, { messageId: event.event_id, deliveryCount: 3 });
    expect(posts('<@U0ALICE>님이')).toHaveLength(1);
  });
});
