/**
 * What the read side makes of documents it cannot read (#15): a malformed stored document is skipped and logged,
 * never a 500 for its month, and the rest of the month still counts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDryRunSlack } from '../../functions/adapters/slack/dryRunSlack.js';
import {
  monthPartition,
  type SubmissionDoc,
  submissionDocument,
  type WeekDoc,
  weekDocIdentity,
} from '../../functions/app/documents.js';
import { loadMonth, type MonthStats } from '../../functions/app/monthStats.js';
import { weekByKey } from '../../functions/domain/calendar.js';
import { applyEvent } from '../../functions/domain/submission.js';
import type { SubmissionState } from '../../functions/domain/types.js';
import { CHANNEL, type Harness, harness, request, responseJson, tsAt } from '../handlers/helpers.js';

const ZONE = 'Asia/Seoul';
const week = weekByKey('2026-11-W4', ZONE);
const THREAD = tsAt('2026-11-23T09:00:00+09:00', 100);
const MONTH = monthPartition(CHANNEL, '2026-11');

let h: Harness;
beforeEach(async () => {
  h = await harness({ slack: createDryRunSlack(() => {}) });
  const posted: WeekDoc = {
    ...weekDocIdentity(CHANNEL, week),
    status: 'posted',
    claimedAt: '2026-11-23T00:00:00.000Z',
    claimExpiresAt: '2026-11-23T00:00:00.000Z',
    threadTs: THREAD,
    postedAt: '2026-11-23T00:00:00.000Z',
  };
  await h.store.create(posted);
});
afterEach(async () => {
  await h.dispose();
});

/** A reply by `user` with a link in week 4's thread, as the processor stores it. */
function validSubmission(user: string, micros: number): SubmissionDoc {
  const ts = tsAt('2026-11-24T10:00:00+09:00', micros);
  const state = applyEvent(
    undefined,
    {
      kind: 'message_posted',
      eventId: `Ev${micros}`,
      eventTs: ts,
      channel: CHANNEL,
      ts,
      threadTs: THREAD,
      user,
      content: { text: '<https://velog.io/@me/til>', blockUrls: [], versionTs: ts },
    },
    { config: h.services.config.rules, threadWeek: week },
  );
  return submissionDocument(CHANNEL, '2026-11', state, []);
}

async function stats(month = '2026-11') {
  const response = await h.services.stats(request({ method: 'GET', path: '/api/stats', query: { month } }));
  return { status: response.status, body: responseJson(response) as MonthStats };
}

describe('stats over malformed stored documents', () => {
  const broken: [string, (state: SubmissionState) => unknown][] = [
    ['state: null', () => null],
    ['state: a string', () => 'corrupted'],
    ['state without links', ({ links: _, ...rest }) => rest],
    ['reactions: null', (state) => ({ ...state, reactions: null })],
    ['a reaction mark without added', (state) => ({ ...state, reactions: { U0BBB: { eventTs: 'x' } } })],
    ['linkedSince that is no ts', (state) => ({ ...state, linkedSince: 'yesterday' })],
    ['deleted: "no"', (state) => ({ ...state, deleted: 'no' })],
  ];

  it.each(broken)(
    '#15: skips and logs a submission with %s; the month still answers 200',
    async (_, breakIt) => {
      await h.store.create(validSubmission('U0AAA', 1));
      const bad = validSubmission('U0BAD', 2);
      await h.store.create({ ...bad, state: breakIt(bad.state) } as unknown as SubmissionDoc);
      const { status, body } = await stats();
      expect(status).toBe(200);
      expect(body.members.map((m: { userId: string }) => m.userId)).toEqual(['U0AAA']);
      expect(body.weeks).toMatchObject([{ key: '2026-11-W4', participants: 1 }]);
      expect(h.log.lines.some((line) => line.startsWith('warn') && line.includes(bad.id))).toBe(true);
    },
  );

  it('#15: skips a week document whose week key names no week', async () => {
    await h.store.create(validSubmission('U0AAA', 1));
    const bogus = {
      ...weekDocIdentity(CHANNEL, week),
      id: 'week:2026-11-W9',
      weekKey: '2026-11-W9',
      status: 'posted',
      claimedAt: '2026-11-23T00:00:00.000Z',
      claimExpiresAt: '2026-11-23T00:00:00.000Z',
      threadTs: tsAt('2026-11-23T09:00:00+09:00', 101),
    } as WeekDoc;
    await h.store.create(bogus);
    const { status, body } = await stats();
    expect(status).toBe(200);
    expect(body.weeks.map((w: { key: string }) => w.key)).toEqual(['2026-11-W4']);
    expect(h.log.lines.some((line) => line.startsWith('warn') && line.includes('week:2026-11-W9'))).toBe(
      true,
    );
  });

  it('#15: /api/months lists no month that /api/stats would refuse', async () => {
    const stray = {
      ...weekDocIdentity(CHANNEL, week),
      id: 'week:1999-12-W1',
      pk: monthPartition(CHANNEL, '1999-12'),
      month: '1999-12',
      weekKey: '1999-12-W1',
      status: 'posted',
      claimedAt: '1999-12-06T00:00:00.000Z',
      claimExpiresAt: '1999-12-06T00:00:00.000Z',
      threadTs: '944438400.000100',
    } as WeekDoc;
    await h.store.create(stray);
    const response = await h.services.months(request({ method: 'GET', path: '/api/months' }));
    expect(response.jsonBody).toEqual(['2026-11']);
  });
});

describe('stats kept between writes', () => {
  it('answers from the figures kept since the last write, and a write shows at the next read', async () => {
    await h.store.create(validSubmission('U0AAA', 1));
    const first = await loadMonth(h.store, h.services.config, '2026-11');
    expect(await loadMonth(h.store, h.services.config, '2026-11')).toBe(first);
    expect((await stats()).body.members.map((m: { userId: string }) => m.userId)).toEqual(['U0AAA']);

    await h.store.create(validSubmission('U0BBB', 2));
    expect((await stats()).body.members.map((m: { userId: string }) => m.userId).sort()).toEqual([
      'U0AAA',
      'U0BBB',
    ]);
    const stored = await h.store.read<SubmissionDoc>(MONTH, validSubmission('U0BBB', 2).id);
    await h.store.replace({ ...stored!.doc, state: { ...stored!.doc.state, deleted: true } }, stored!.etag);
    expect((await stats()).body.members.map((m: { userId: string }) => m.userId)).toEqual(['U0AAA']);
  });

  it('a malformed submission is still reported at each read that skips it', async () => {
    const bad = validSubmission('U0BAD', 3);
    await h.store.create({ ...bad, state: null } as unknown as SubmissionDoc);
    await stats();
    await h.store.create(validSubmission('U0AAA', 1));
    await stats();
    const skips = h.log.lines.filter((line) => line.startsWith('warn') && line.includes(bad.id));
    expect(skips).toHaveLength(2);
  });
});
