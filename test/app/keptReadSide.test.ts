/**
 * The kept stats and history answers (handlers/stats.ts over app/keptAnswers.ts, the per-version counts of
 * app/monthStats.ts) against a computation from scratch: after any sequence of writes to the month's partition
 * and the members' (replies on time or late, with or without a link, deleted, excluded, 👍, passes and their
 * undo, skipped weeks and extended deadlines, names), what the running app answers is byte for byte what a
 * process that just opened the same data directory answers.
 */
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDryRunSlack } from '../../functions/adapters/slack/dryRunSlack.js';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { Doc, Store } from '../../functions/adapters/store/store.js';
import type { WeekRulesDoc } from '../../functions/app/adminDocuments.js';
import {
  type MemberDoc,
  memberPartition,
  monthPartition,
  type PassDoc,
  submissionDocument,
  type WeekDoc,
  weekDocIdentity,
} from '../../functions/app/documents.js';
import { loadConfig } from '../../functions/config.js';
import { weekByKey } from '../../functions/domain/calendar.js';
import { applyEvent } from '../../functions/domain/submission.js';
import type { Week } from '../../functions/domain/types.js';
import { createServices } from '../../functions/services.js';
import {
  baseEnv,
  CHANNEL,
  capturedLog,
  type Harness,
  harness,
  recordingQueue,
  request,
  responseJson,
  tsAt,
} from '../handlers/helpers.js';

const ZONE = 'Asia/Seoul';
const WEEKS = ['2026-11-W1', '2026-11-W2', '2026-11-W3', '2026-11-W4'].map((key) => weekByKey(key, ZONE));
const USERS = ['U0AAA', 'U0BBB', 'U0CCC', 'U0DDD', 'U0EEE'];
const MONTH_PK = monthPartition(CHANNEL, '2026-11');
/** W4 is still open, so streaks and the history's expiry have an open week to deal with. */
let clockMs = Date.parse('2026-11-26T12:00:00+09:00');
const now = () => clockMs;
const slack = createDryRunSlack(() => {});

let h: Harness;
beforeEach(async () => {
  clockMs = Date.parse('2026-11-26T12:00:00+09:00');
  h = await harness({ slack, now });
  await postWeeks(h.store);
});
afterEach(async () => {
  await h.dispose();
});

/** The four weeks posted, their threads' links known (so no read starts a background fill, a write of its own). */
async function postWeeks(store: Store) {
  for (const week of WEEKS) {
    const posted: WeekDoc = {
      ...weekDocIdentity(CHANNEL, week),
      status: 'posted',
      claimedAt: new Date(week.startMs).toISOString(),
      claimExpiresAt: new Date(week.startMs).toISOString(),
      threadTs: threadTsOf(week),
      threadUrl: `https://example.slack.com/archives/C/p${week.ordinal}`,
      postedAt: new Date(week.startMs).toISOString(),
    };
    await store.create(posted);
  }
}

/** Creates or replaces, whichever the document needs now. */
async function put(store: Store, doc: Doc) {
  const existing = await store.read(doc.pk, doc.id);
  if (existing) await store.replace(doc, existing.etag);
  else await store.create(doc);
}

function threadTsOf(week: Week) {
  return tsAt(new Date(week.startMs + 9 * 3600_000).toISOString(), 100 + WEEKS.indexOf(week));
}

const replyOp = fc.record({
  kind: fc.constant('reply' as const),
  slot: fc.nat(5),
  user: fc.nat(USERS.length - 1),
  week: fc.nat(WEEKS.length - 1),
  /** Hours after the deadline (negative: on time); a day late counts once the deadline is extended. */
  hoursFromDeadline: fc.constantFrom(-48, -1, 20, 60),
  link: fc.boolean(),
  likers: fc.subarray(USERS),
  unliked: fc.subarray(USERS),
  /** Mostly live replies, so that later week rules have something to change. */
  deleted: fc.constantFrom(false, false, false, true),
  excluded: fc.constantFrom(false, false, false, true),
});
const passOp = fc.record({
  kind: fc.constant('pass' as const),
  user: fc.nat(USERS.length - 1),
  week: fc.nat(WEEKS.length - 1),
  undone: fc.boolean(),
});
const rulesOp = fc.record({
  kind: fc.constant('rules' as const),
  week: fc.nat(WEEKS.length - 1),
  skipped: fc.boolean(),
  extendDays: fc.constantFrom(0, 1, 3),
});
const nameOp = fc.record({
  kind: fc.constant('name' as const),
  user: fc.nat(USERS.length - 1),
  name: fc.constantFrom('Alice', '앨리스', 'Bob'),
});
const readOp = fc.record({ kind: fc.constant('read' as const) });
const op = fc.oneof(
  { arbitrary: replyOp, weight: 5 },
  { arbitrary: passOp, weight: 2 },
  { arbitrary: rulesOp, weight: 2 },
  { arbitrary: nameOp, weight: 1 },
  { arbitrary: readOp, weight: 3 },
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

async function apply(o: Op) {
  switch (o.kind) {
    case 'reply': {
      const week = WEEKS[o.week]!;
      const ts = tsAt(new Date(week.deadlineMs + o.hoursFromDeadline * 3600_000).toISOString(), o.slot + 1);
      const state = applyEvent(
        undefined,
        {
          kind: 'message_posted',
          eventId: `Ev${o.slot}`,
          eventTs: ts,
          channel: CHANNEL,
          ts,
          threadTs: threadTsOf(week),
          user: USERS[o.user]!,
          content: { text: o.link ? '<https://velog.io/@me/til>' : 'no link', blockUrls: [], versionTs: ts },
        },
        { config: h.services.config.rules, threadWeek: week },
      );
      const reactions = Object.fromEntries(
        [...o.likers, ...o.unliked].map((user) => [user, { added: !o.unliked.includes(user), eventTs: ts }]),
      );
      // One document per slot: a later op on the slot rewrites that reply (a new version of the same document).
      const doc = submissionDocument(
        CHANNEL,
        '2026-11',
        {
          ...state,
          replyTs: `1790000000.00000${o.slot}`,
          reactions,
          deleted: o.deleted,
          excluded: o.excluded,
        },
        [],
      );
      await put(h.store, doc);
      return;
    }
    case 'pass': {
      const week = WEEKS[o.week]!;
      const doc: PassDoc = {
        id: `pass:${week.key}:${USERS[o.user]}`,
        pk: MONTH_PK,
        type: 'pass',
        channel: CHANNEL,
        month: '2026-11',
        weekKey: week.key,
        userId: USERS[o.user]!,
        status: o.undone ? 'undone' : 'passed',
        passedAt: new Date(week.startMs).toISOString(),
      };
      await put(h.store, doc);
      return;
    }
    case 'rules': {
      const week = WEEKS[o.week]!;
      const doc: WeekRulesDoc = {
        id: `weekRules:${week.key}`,
        pk: MONTH_PK,
        type: 'weekRules',
        channel: CHANNEL,
        month: '2026-11',
        weekKey: week.key,
        skipped: o.skipped,
        ...(o.extendDays > 0 && {
          extendedDeadline: new Date(week.deadlineMs + o.extendDays * 86_400_000).toISOString(),
        }),
        updatedAt: new Date(clockMs).toISOString(),
      };
      await put(h.store, doc);
      return;
    }
    case 'name': {
      const doc: MemberDoc = {
        id: `member:${USERS[o.user]}`,
        pk: memberPartition(CHANNEL),
        type: 'member',
        userId: USERS[o.user]!,
        name: o.name,
        isBot: false,
        fetchedAt: new Date(clockMs).toISOString(),
      };
      await put(h.store, doc);
      return;
    }
    case 'read':
      await expectAsFromScratch();
  }
}

const statsRequest = () => request({ method: 'GET', path: '/api/stats', query: { month: '2026-11' } });
const historyRequest = () => request({ method: 'GET', path: '/api/history' });

/** Status, ETag and JSON of an answer. */
function answerOf(response: Awaited<ReturnType<Harness['services']['stats']>>) {
  const headers = new Headers(response.headers as HeadersInit | undefined);
  return { status: response.status, etag: headers.get('etag'), json: responseJson(response) };
}

/** The running app's answers equal those of a process that opens the data directory now. */
async function expectAsFromScratch() {
  const kept = {
    stats: answerOf(await h.services.stats(statsRequest())),
    history: answerOf(await h.services.history(historyRequest())),
  };
  const store = await openFileStore(h.dir.path);
  try {
    const fresh = createServices(loadConfig(baseEnv), {
      store,
      queue: recordingQueue(),
      slack,
      log: capturedLog(),
      now,
    });
    expect(kept).toEqual({
      stats: answerOf(await fresh.stats(statsRequest())),
      history: answerOf(await fresh.history(historyRequest())),
    });
  } finally {
    await store.close();
  }
}

describe('kept read answers', () => {
  it('equal a computation from scratch after any sequence of writes to the month', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 16 }), async (ops) => {
        await h.dispose();
        h = await harness({ slack, now });
        await postWeeks(h.store);
        for (const o of ops) await apply(o);
        await expectAsFromScratch();
      }),
      { numRuns: 150 },
    );
  });

  it('counts a late reply read before, unchanged since, once its week is extended past it (and not once undone)', async () => {
    const late: Op = {
      kind: 'reply',
      slot: 1,
      user: 0,
      week: 1,
      hoursFromDeadline: 20,
      link: true,
      likers: ['U0BBB'],
      unliked: [],
      deleted: false,
      excluded: false,
    };
    const members = async () =>
      (responseJson(await h.services.stats(statsRequest())) as { members: unknown[] }).members.length;
    await apply(late);
    expect(await members()).toBe(0);
    await apply({ kind: 'rules', week: 1, skipped: false, extendDays: 3 });
    expect(await members()).toBe(1);
    await expectAsFromScratch();
    await apply({ kind: 'rules', week: 1, skipped: false, extendDays: 0 });
    expect(await members()).toBe(0);
    await expectAsFromScratch();
  });

  it('answers 304 to the ETag it gave until a write changes the answer', async () => {
    await apply({
      kind: 'reply',
      slot: 1,
      user: 0,
      week: 1,
      hoursFromDeadline: -48,
      link: true,
      likers: ['U0BBB'],
      unliked: [],
      deleted: false,
      excluded: false,
    });
    for (const [handler, get] of [
      [h.services.stats, statsRequest],
      [h.services.history, historyRequest],
    ] as const) {
      const first = answerOf(await handler(get()));
      expect(first.status).toBe(200);
      expect(first.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const withTag = (etag: string) => {
        const r = get();
        r.headers.set('if-none-match', etag);
        return r;
      };
      const unchanged = await handler(withTag(first.etag!));
      expect(unchanged.status).toBe(304);
      expect(unchanged.body ?? undefined).toBeUndefined();
      // Weak comparison and lists, as RFC 9110 has it for If-None-Match.
      expect((await handler(withTag(`"other", W/${first.etag}`))).status).toBe(304);
      expect((await handler(withTag('"other"'))).status).toBe(200);
    }
    const before = {
      stats: answerOf(await h.services.stats(statsRequest())).etag!,
      history: answerOf(await h.services.history(historyRequest())).etag!,
    };
    await apply({ kind: 'name', user: 0, name: 'Alice' });
    for (const [handler, get, etag] of [
      [h.services.stats, statsRequest, before.stats],
      [h.services.history, historyRequest, before.history],
    ] as const) {
      const r = get();
      r.headers.set('if-none-match', etag);
      const changed = answerOf(await handler(r));
      expect(changed.status).toBe(200);
      expect(changed.etag).not.toBe(etag);
      expect(JSON.stringify(changed.json)).toContain('Alice');
    }
  });

  it('serves a large answer served again gzipped to clients that accept it, the same bytes under their own ETag', async () => {
    // 300 authors make an answer well over the size worth compressing.
    for (let i = 0; i < 300; i++) {
      const week = WEEKS[i % WEEKS.length]!;
      const ts = tsAt(new Date(week.deadlineMs - 3_600_000).toISOString(), i + 1);
      const state = applyEvent(
        undefined,
        {
          kind: 'message_posted',
          eventId: `EvBig${i}`,
          eventTs: ts,
          channel: CHANNEL,
          ts,
          threadTs: threadTsOf(week),
          user: `U0M${String(i).padStart(4, '0')}`,
          content: { text: '<https://velog.io/@me/til>', blockUrls: [], versionTs: ts },
        },
        { config: h.services.config.rules, threadWeek: week },
      );
      await h.store.create(submissionDocument(CHANNEL, '2026-11', state, []));
    }
    const get = (headers: Record<string, string>) => {
      const r = statsRequest();
      for (const [name, value] of Object.entries(headers)) r.headers.set(name, value);
      return h.services.stats(r);
    };
    const plain = await get({});
    const raw = Buffer.from(plain.body as Uint8Array);
    expect(raw.byteLength).toBeGreaterThan(8 * 1024);
    // Served again, so compressed in the background: later requests that accept gzip get it once it is ready.
    let zipped = await get({ 'accept-encoding': 'gzip, deflate' });
    for (let i = 0; i < 200 && !new Headers(zipped.headers as HeadersInit).has('content-encoding'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      zipped = await get({ 'accept-encoding': 'gzip, deflate' });
    }
    const headers = new Headers(zipped.headers as HeadersInit);
    expect(headers.get('content-encoding')).toBe('gzip');
    expect(headers.get('vary')).toContain('Accept-Encoding');
    expect(gunzipSync(zipped.body as Uint8Array).equals(raw)).toBe(true);
    const plainTag = new Headers(plain.headers as HeadersInit).get('etag')!;
    expect(headers.get('etag')).not.toBe(plainTag);
    expect((await get({ 'accept-encoding': 'gzip', 'if-none-match': headers.get('etag')! })).status).toBe(
      304,
    );
    // A client that does not accept gzip (or refuses it with q=0) still gets the bytes as they are.
    for (const refusing of [{}, { 'accept-encoding': 'gzip;q=0, identity' }] as Record<string, string>[]) {
      const again = await get(refusing);
      expect(new Headers(again.headers as HeadersInit).get('content-encoding')).toBeNull();
      expect(Buffer.from(again.body as Uint8Array).equals(raw)).toBe(true);
    }
  });

  it('history changes when a deadline passes with nothing written (streaks), like a fresh computation', async () => {
    await apply({
      kind: 'reply',
      slot: 1,
      user: 0,
      week: 2,
      hoursFromDeadline: -48,
      link: true,
      likers: [],
      unliked: [],
      deleted: false,
      excluded: false,
    });
    const streakOf = async () =>
      (responseJson(await h.services.history(historyRequest())) as { members: { currentStreak: number }[] })
        .members[0]?.currentStreak;
    // W3 taken part, W4 open: the streak is 1 while W4 may still be joined.
    expect(await streakOf()).toBe(1);
    clockMs = WEEKS[3]!.deadlineMs + 1;
    expect(await streakOf()).toBe(0);
    await expectAsFromScratch();
  });
});
