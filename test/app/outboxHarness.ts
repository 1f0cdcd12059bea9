/**
 * The app in-process as both hosts wire it (createServices) over the file store and the Web API adapter against
 * the loopback fake Slack, with one settable clock for the app and the fake, and a `deliver` that behaves like
 * the queue: a message that throws is redelivered at once, up to 5 deliveries, then dead-lettered.
 */
import type { Doc, Store } from '../../functions/adapters/store/store.js';
import type { SubmissionDoc, WeekDoc } from '../../functions/app/documents.js';
import {
  BOT_TOKEN,
  CHANNEL,
  capturedLog,
  type Harness,
  harness,
  request,
  responseJson,
  webApiSlack,
} from '../handlers/helpers.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';

export { CHANNEL };
export const ADMINS = ['UADMIN1', 'UADMIN2'];
export const MONTH_PK = `${CHANNEL}:2026-11`;
const MAX_DELIVERIES = 5;

/** A store that can die: after the write `dieAfter` matches, that write is done and every later one throws. */
export function mortalStore(inner: Store) {
  let dying: ((doc: Doc, operation: 'create' | 'replace') => boolean) | undefined;
  let dead = false;
  let failing: ((doc: Doc, operation: 'create' | 'replace') => boolean) | undefined;
  const check = (doc: Doc, operation: 'create' | 'replace') => {
    if (dead) throw new Error(`store unavailable (writing ${doc.id})`);
    if (failing?.(doc, operation)) throw new Error(`store refused writing ${doc.id}`);
  };
  const after = (doc: Doc, operation: 'create' | 'replace') => {
    if (dying?.(doc, operation)) {
      dying = undefined;
      dead = true;
      throw new Error(`process died after writing ${doc.id}`);
    }
  };
  const store: Store = {
    read: (pk, id) => inner.read(pk, id),
    query: (q) => inner.query(q),
    close: () => inner.close(),
    async create(doc) {
      check(doc, 'create');
      const stored = await inner.create(doc);
      after(doc, 'create');
      return stored;
    },
    async replace(doc, etag) {
      check(doc, 'replace');
      const stored = await inner.replace(doc, etag);
      after(doc, 'replace');
      return stored;
    },
  };
  return {
    store,
    /** The process dies right after the next write matching `match` (a crash: nothing after it is written). */
    dieAfter(match: (doc: Doc, operation: 'create' | 'replace') => boolean) {
      dying = match;
    },
    /** A restarted process: writes work again. */
    revive() {
      dead = false;
    },
    /** Writes matching `match` fail (a store that refuses one document) until called with undefined. */
    refuse(match: ((doc: Doc, operation: 'create' | 'replace') => boolean) | undefined) {
      failing = match;
    },
  };
}

export interface App {
  fake: FakeSlack;
  h: Harness;
  mortal: ReturnType<typeof mortalStore>;
  clock: { ms: number };
  threadTs: string;
  /** Delivers a queue message like the queue: redelivered while it throws, dead-lettered after 5. */
  deliver(body: unknown, messageId: string): Promise<'completed' | 'dead-lettered'>;
  deliverEvent(envelope: {
    event_id: string;
    event: Record<string, unknown>;
  }): Promise<'completed' | 'dead-lettered'>;
  /** Advances the clock and runs a scheduled tick (the weekly post is already made: the sweep is what runs). */
  tickAfter(ms: number): ReturnType<Harness['services']['jobs']['runDue']>;
  /** Successful posts in the challenge channel (what members see), and DMs to a user. */
  broadcasts(): string[];
  dmsTo(user: string): string[];
  alertsTo(admin: string): string[];
  submission(ts: string): Promise<SubmissionDoc | undefined>;
  stats(): Promise<{
    weeks: { participants: number; likes: number }[];
    members: { userId: string; likes: number }[];
  }>;
  dispose(): Promise<void>;
}

/** Week 4 of November 2026 posted on Monday 09:05; Slack calls from then on are what the test causes. */
export async function startApp(options: { postWeek?: boolean } = {}): Promise<App> {
  const clock = { ms: Date.parse('2026-11-23T09:05:00+09:00') };
  const fake = await startFakeSlack({ token: BOT_TOKEN, now: () => clock.ms });
  let mortal: ReturnType<typeof mortalStore> | undefined;
  const h = await harness({
    env: { ADMIN_USER_IDS: ADMINS.join(','), SLACK_BOT_TOKEN: BOT_TOKEN },
    slack: webApiSlack(fake, capturedLog()),
    now: () => clock.ms,
    wrapStore: (store) => {
      mortal = mortalStore(store);
      return mortal.store;
    },
  });
  let threadTs = '';
  if (options.postWeek !== false) {
    await h.services.jobs.runDue(clock.ms);
    threadTs = (await h.store.read<WeekDoc>(MONTH_PK, 'week:2026-11-W4'))!.doc.threadTs!;
    fake.calls.length = 0;
  }
  const posts = (channel: string) =>
    fake.calls
      .filter((c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === channel)
      .map((c) => String(c.args.text));
  async function deliver(body: unknown, messageId: string) {
    let lastError: unknown;
    for (let deliveryCount = 1; deliveryCount <= MAX_DELIVERIES; deliveryCount++) {
      try {
        await h.services.processEvent.process(body, { messageId, deliveryCount });
        return 'completed' as const;
      } catch (error) {
        lastError = error;
      }
    }
    await h.services.processEvent
      .deadLettered({ messageId, deliveryCount: MAX_DELIVERIES, body, reason: String(lastError) })
      .catch(() => {});
    return 'dead-lettered' as const;
  }
  return {
    fake,
    h,
    mortal: mortal!,
    clock,
    get threadTs() {
      return threadTs;
    },
    deliver,
    deliverEvent: (envelope) =>
      deliver({ eventId: envelope.event_id, event: envelope.event }, envelope.event_id),
    tickAfter(ms) {
      clock.ms += ms;
      return h.services.jobs.runDue(clock.ms);
    },
    broadcasts: () => posts(CHANNEL),
    dmsTo: (user) => posts(`D${user}`),
    alertsTo: (admin) => posts(`D${admin}`).filter((text) => text.includes('⚠️')),
    submission: async (ts) => (await h.store.read<SubmissionDoc>(MONTH_PK, `submission:${ts}`))?.doc,
    async stats() {
      const response = await h.services.stats(
        request({ method: 'GET', path: '/api/stats', query: { month: '2026-11' } }),
      );
      return responseJson(response) as Awaited<ReturnType<App['stats']>>;
    },
    async dispose() {
      await h.dispose();
      await fake.close();
    },
  };
}
