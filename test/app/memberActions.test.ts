/**
 * Member actions applied from the queue (pass, pass undo, remind on/off), the member status read model and the
 * reminder job's member rules, over the real file store and (for Slack) the Web API client against the loopback
 * fake. The figures are checked against what /api/stats answers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDryRunSlack } from '../../functions/adapters/slack/dryRunSlack.js';
import {
  monthPartition,
  type ReminderDoc,
  reminderDocId,
  submissionDocument,
  type WeekDoc,
  weekDocIdentity,
} from '../../functions/app/documents.js';
import {
  createMemberActions,
  type MemberAction,
  memberActionText,
} from '../../functions/app/memberActions.js';
import { createMemberDirectory } from '../../functions/app/memberDirectory.js';
import { createMemberStatus } from '../../functions/app/memberStatus.js';
import type { MonthStats } from '../../functions/app/monthStats.js';
import { createOutboxRunner } from '../../functions/app/outbox.js';
import { createReminders } from '../../functions/app/reminders.js';
import { createSlackHealth } from '../../functions/app/slackHealth.js';
import { weekByKey, weeksOfMonth } from '../../functions/domain/calendar.js';
import { applyEvent } from '../../functions/domain/submission.js';
import type { Week } from '../../functions/domain/types.js';
import { templatesFor } from '../../functions/messages/templates.js';
import {
  CHANNEL,
  type Harness,
  harness,
  request,
  responseJson,
  tsAt,
  webApiSlack,
} from '../handlers/helpers.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';

const ZONE = 'Asia/Seoul';
const ko = templatesFor('ko');
/** Wednesday noon of a week. */
const midweek = (week: Week) => week.startMs + 2.5 * 24 * 3600_000;

let h: Harness;
let micros = 0;

async function postWeeks(weeks: Week[]) {
  for (const week of weeks) {
    const doc: WeekDoc = {
      ...weekDocIdentity(CHANNEL, week),
      status: 'posted',
      claimedAt: new Date(week.startMs).toISOString(),
      claimExpiresAt: new Date(week.startMs).toISOString(),
      threadTs: tsAt(new Date(week.startMs + 9 * 3600_000).toISOString(), 100),
      threadUrl: `https://fake.slack.com/archives/${CHANNEL}/p${week.key}`,
      postedAt: new Date(week.startMs).toISOString(),
    };
    await h.store.create(doc);
  }
}

/** A reply with a link by `user` in `week`'s thread on its Tuesday, liked by `likers`, stored as the processor does. */
async function submit(user: string, week: Week, likers: string[] = []) {
  const ts = tsAt(new Date(week.startMs + 34 * 3600_000).toISOString(), ++micros);
  const threadTs = tsAt(new Date(week.startMs + 9 * 3600_000).toISOString(), 100);
  const rules = h.services.config.rules;
  let state = applyEvent(
    undefined,
    {
      kind: 'message_posted',
      eventId: `Ev${micros}`,
      eventTs: ts,
      channel: CHANNEL,
      ts,
      threadTs,
      user,
      content: { text: `<https://velog.io/@${user}/til-${micros}>`, blockUrls: [], versionTs: ts },
    },
    { config: rules, threadWeek: week },
  );
  for (const [i, liker] of likers.entries()) {
    const eventTs = `${Number(ts.split('.')[0]) + i + 1}.000000`;
    state = applyEvent(
      state,
      {
        kind: 'reaction',
        eventId: `Ev${ts}${liker}`,
        eventTs,
        channel: CHANNEL,
        itemTs: ts,
        user: liker,
        added: true,
      },
      { config: rules, threadWeek: week },
    );
  }
  await h.store.create(submissionDocument(CHANNEL, week.month, state, []));
}

async function stats(month: string): Promise<MonthStats> {
  const response = await h.services.stats(request({ method: 'GET', path: '/api/stats', query: { month } }));
  return responseJson(response) as MonthStats;
}

const nov = weeksOfMonth('2026-11', ZONE);
const [n1, n2, n3, n4, n5] = nov as [Week, Week, Week, Week, Week];
const d1 = weekByKey('2026-12-W1', ZONE);

describe('member actions from the queue', () => {
  const actions = () => createMemberActions({ store: h.store, config: h.services.config });
  let counter = 0;
  const act = (action: MemberAction['action'], userId: string, week: Week, actionId = `A${++counter}`) =>
    actions().apply({ action, userId, atMs: midweek(week), actionId });

  beforeEach(async () => {
    h = await harness({ slack: createDryRunSlack(() => {}), env: { PASSES_PER_MONTH: '2' } });
    await postWeeks([...nov, d1]);
  });
  afterEach(async () => {
    await h.dispose();
  });

  it('records a pass; stats list it; the answer says so (Korean)', async () => {
    const result = await act('pass', 'U0ALICE', n3);
    expect(result).toMatchObject({ ok: true, action: 'pass', alreadyPassed: false, limit: 2, left: 1 });
    const text = memberActionText(result, ko);
    console.log(`pass accepted, ko:\n${text}`);
    expect(text).toContain('TIL 11월 3주차 패스를 기록했어요');
    expect(text).toContain('이번 달 남은 패스: 1/2개');
    expect((await stats('2026-11')).members).toContainEqual(
      expect.objectContaining({ userId: 'U0ALICE', passes: [n3.key], weeks: [], submissions: 0, likes: 0 }),
    );
  });

  it('a redelivered action answers as it did and records nothing more; asking again says "already"', async () => {
    const first = await act('pass', 'U0ALICE', n3, 'cmd-1');
    expect(await act('pass', 'U0ALICE', n3, 'cmd-1')).toEqual(first);
    expect(await act('pass', 'U0ALICE', n3, 'cmd-2')).toMatchObject({
      ok: true,
      alreadyPassed: true,
      left: 1,
    });
    const passes = await h.store.query({ pk: monthPartition(CHANNEL, '2026-11'), type: 'pass' });
    expect(passes).toHaveLength(1);
  });

  it('refuses a pass in two weeks in a row, with the reason', async () => {
    await act('pass', 'U0ALICE', n3);
    const refused = await act('pass', 'U0ALICE', n4);
    expect(refused).toMatchObject({
      ok: false,
      action: 'pass',
      reason: 'consecutive',
      adjacentWeekKey: n3.key,
    });
    const text = memberActionText(refused, ko);
    console.log(`pass refused (two in a row), ko:\n${text}`);
    expect(text).toBe('두 주 연속으로 패스할 수는 없어요: TIL 11월 3주차에 이미 패스를 쓰셨어요.');
    expect((await stats('2026-11')).members.find((m) => m.userId === 'U0ALICE')?.passes).toEqual([n3.key]);
  });

  it('refuses a pass across the month boundary too (November W5, then December W1)', async () => {
    await act('pass', 'U0ALICE', n5);
    expect(await act('pass', 'U0ALICE', d1)).toMatchObject({ ok: false, reason: 'consecutive' });
  });

  it('refuses beyond the monthly limit', async () => {
    await act('pass', 'U0ALICE', n1);
    await act('pass', 'U0ALICE', n3);
    const refused = await act('pass', 'U0ALICE', n5);
    expect(refused).toMatchObject({ ok: false, reason: 'monthly_limit', limit: 2, used: [n1.key, n3.key] });
    const text = memberActionText(refused, ko);
    console.log(`pass refused (monthly limit), ko:\n${text}`);
    expect(text).toBe('11월 패스 2개를 모두 쓰셨어요 (TIL 11월 1주차, TIL 11월 3주차).');
  });

  it('refuses a pass for a week already taken part in', async () => {
    await submit('U0ALICE', n3);
    const refused = await act('pass', 'U0ALICE', n3);
    expect(refused).toMatchObject({ ok: false, reason: 'already_submitted' });
    const text = memberActionText(refused, ko);
    console.log(`pass refused (already submitted), ko:\n${text}`);
    expect(text).toBe('TIL 11월 3주차에는 이미 글을 제출하셨어요. 패스할 필요가 없어요 🙌');
  });

  it('undoes a pass before the deadline; undoing again is refused', async () => {
    await act('pass', 'U0ALICE', n3);
    const undone = await act('pass_undo', 'U0ALICE', n3);
    expect(undone).toMatchObject({ ok: true, action: 'pass_undo', left: 2 });
    const text = memberActionText(undone, ko);
    console.log(`pass undone, ko:\n${text}`);
    expect(text).toBe('↩️ TIL 11월 3주차 패스를 취소했어요. 이번 달 남은 패스: 2/2개.');
    expect(await act('pass_undo', 'U0ALICE', n3)).toMatchObject({ ok: false, reason: 'not_passed' });
    expect((await stats('2026-11')).members.find((m) => m.userId === 'U0ALICE')).toBeUndefined();
    // After the undo the next week is free to pass.
    expect(await act('pass', 'U0ALICE', n4)).toMatchObject({ ok: true });
  });

  it('a submission after a pass gives the pass back: taken part, and not counted against the limit', async () => {
    await act('pass', 'U0ALICE', n1);
    await submit('U0ALICE', n1);
    const alice = (await stats('2026-11')).members.find((m) => m.userId === 'U0ALICE');
    expect(alice).toMatchObject({ weeks: [n1.key], passes: [] });
    expect(await act('pass', 'U0ALICE', n2)).toMatchObject({ ok: true, left: 1 });
    expect(await act('pass', 'U0ALICE', n4)).toMatchObject({ ok: true, left: 0 });
  });

  it('passes off (PASSES_PER_MONTH=0) are refused', async () => {
    await h.dispose();
    h = await harness({ slack: createDryRunSlack(() => {}) });
    await postWeeks([n3]);
    const refused = await act('pass', 'U0ALICE', n3);
    expect(refused).toMatchObject({ ok: false, reason: 'passes_off' });
    expect(memberActionText(refused, ko)).toBe('이 워크스페이스에서는 패스 기능을 쓰지 않아요.');
  });

  it('a five-week month with passes gives the challengers the rule says', async () => {
    // UA: every week but W3, passed. UB: W2 and W4 passed, the rest taken part. UC: passed W3, then took part
    // in it anyway, missed W5. UD: passed W1, nothing else.
    for (const w of [n1, n2, n4, n5]) await submit('U0UA', w, ['U0UB']);
    for (const w of [n1, n3, n5]) await submit('U0UB', w, ['U0UA', 'U0UC']);
    for (const w of [n1, n2, n3, n4]) await submit('U0UC', w);
    expect(await act('pass', 'U0UA', n3)).toMatchObject({ ok: true });
    expect(await act('pass', 'U0UB', n2)).toMatchObject({ ok: true });
    expect(await act('pass', 'U0UB', n4)).toMatchObject({ ok: true });
    expect(await act('pass', 'U0UC', n3)).toMatchObject({ ok: false, reason: 'already_submitted' });
    expect(await act('pass', 'U0UD', n1)).toMatchObject({ ok: true });
    const month = await stats('2026-11');
    expect([...month.challengers].sort()).toEqual(['U0UA', 'U0UB']);
    // UB has 6 👍 over 3 submissions, UA 4 over 4.
    expect(month.specialChallengers).toEqual(['U0UB']);
    const byId = new Map(month.members.map((m) => [m.userId, m]));
    expect(byId.get('U0UA')).toMatchObject({ passes: [n3.key], submissions: 4, challenger: true });
    expect(byId.get('U0UB')).toMatchObject({ passes: [n2.key, n4.key], submissions: 3, challenger: true });
    expect(byId.get('U0UC')).toMatchObject({ passes: [], challenger: false });
    expect(byId.get('U0UD')).toMatchObject({ passes: [n1.key], challenger: false });
    expect(month.weeks.find((w) => w.key === n3.key)?.participants).toBe(2);
  });

  it('remind off and on write the member preference once each', async () => {
    const off = await actions().apply({ action: 'remind_off', userId: 'U0ALICE', atMs: midweek(n3) });
    expect(memberActionText(off, ko)).toBe(
      '🔕 주간 리마인더를 껐습니다. 다시 받으려면 `/til remind on`을 입력하세요.',
    );
    expect(await actions().remindersOn('U0ALICE')).toBe(false);
    await actions().apply({ action: 'remind_off', userId: 'U0ALICE', atMs: midweek(n3) });
    const on = await actions().apply({ action: 'remind_on', userId: 'U0ALICE', atMs: midweek(n4) });
    expect(memberActionText(on, ko)).toBe('🔔 주간 리마인더를 다시 받습니다.');
    expect(await actions().remindersOn('U0ALICE')).toBe(true);
  });
});

describe('member status', () => {
  beforeEach(async () => {
    h = await harness({
      slack: createDryRunSlack(() => {}),
      env: { PASSES_PER_MONTH: '1', REMINDER_AT: 'SUN 18:00' },
    });
    await postWeeks([n1, n2, n3]);
  });
  afterEach(async () => {
    await h.dispose();
  });

  it('has the figures /api/stats and /api/history have for the member', async () => {
    await submit('U0ALICE', n1, ['U0BOB', 'U0CAROL']);
    await submit('U0BOB', n1, ['U0ALICE']);
    await submit('U0BOB', n2);
    await createMemberActions({ store: h.store, config: h.services.config }).apply({
      action: 'pass',
      userId: 'U0ALICE',
      atMs: midweek(n2),
    });
    await submit('U0ALICE', n3, ['U0BOB']);
    const now = midweek(n3);
    const reader = createMemberStatus({
      store: h.store,
      slack: createDryRunSlack(() => {}),
      members: createMemberDirectory({
        store: h.store,
        slack: createDryRunSlack(() => {}),
        channel: CHANNEL,
        now: () => now,
      }),
      config: h.services.config,
      log: h.log,
    });
    const status = await reader.of('U0ALICE', now);
    const month = await stats('2026-11');
    const alice = month.members.find((m) => m.userId === 'U0ALICE')!;
    expect(status.month.likes).toBe(alice.likes);
    expect(status.month.challenger).toBe(alice.challenger);
    expect(status.month.weeks.map((w) => w.standing)).toEqual(['took_part', 'passed', 'took_part']);
    expect(status.month.top).toEqual(
      month.members
        .filter((m) => m.likes > 0)
        .slice(0, 5)
        .map((m) => ({ userId: m.userId, name: m.name, likes: m.likes })),
    );
    expect(status.streak).toEqual({ current: 3, longest: 3 });
    expect(status.week).toMatchObject({ key: n3.key, posted: true, open: true });
    expect(status.submission).toMatchObject({ likes: 1 });
    expect(status.submission?.blogUrl).toMatch(/^https:\/\/velog\.io\/@U0ALICE\//);
    expect(status.passes).toMatchObject({ on: true, limit: 1, left: 0, canUndo: false });
    expect(status.passes.canPass).toMatchObject({ ok: false, refusal: { reason: 'already_submitted' } });
    expect(status.month.toBecomeChallenger).toMatchObject({ status: 'on_track', missed: [] });
    expect(status.month.toBecomeChallenger.toGo).toEqual([n4.key, n5.key]);
    expect(status.reminders).toEqual({ scheduled: true, on: true });

    // /api/history (at the real clock, every week closed): the pass keeps Alice's streak, as the status says.
    const response = await h.services.history(request({ method: 'GET', path: '/api/history' }));
    const history = responseJson(response) as {
      members: { userId: string; currentStreak: number; longestStreak: number; weeksTakenPart: number }[];
    };
    const record = history.members.find((m) => m.userId === 'U0ALICE');
    expect(record).toMatchObject({ currentStreak: 3, longestStreak: 3, weeksTakenPart: 2 });
    expect((await reader.of('U0ALICE', Date.now())).streak).toEqual({ current: 3, longest: 3 });

    const bob = await reader.of('U0BOB', now);
    expect(bob.month.weeks.map((w) => w.standing)).toEqual(['took_part', 'took_part', 'open']);
    expect(bob.passes.canPass).toEqual({ ok: true });
    expect(bob.submission).toBeNull();
  });
});

describe('reminder job members', () => {
  /** January 2027, ahead of the real clock (reminders are never sent after a deadline by it). */
  const jan = weeksOfMonth('2027-01', ZONE);
  const [j1, j2] = jan as [Week, Week];
  let slack: FakeSlack;

  beforeEach(async () => {
    slack = await startFakeSlack();
  });
  afterEach(async () => {
    await h.dispose();
    await slack.close();
  });

  function remindersFor(now: () => number, sleep: (ms: number) => Promise<void>) {
    const config = h.services.config;
    const slackPort = webApiSlack(slack, h.log);
    const health = createSlackHealth(now);
    return createReminders({
      store: h.store,
      slack: slackPort,
      config,
      templates: ko,
      alerts: h.services.alerts,
      outbox: createOutboxRunner({ store: h.store, now, log: h.log, health }),
      log: h.log,
      now,
      sleep,
    });
  }

  it('skips the opted-out and those who passed, and paces the rest one a second', async () => {
    h = await harness({
      slack: createDryRunSlack(() => {}),
      env: { PASSES_PER_MONTH: '1', REMINDER_AT: 'THU 18:00' },
    });
    await postWeeks([j1, j2]);
    for (const user of ['U0A', 'U0B', 'U0C', 'U0D', 'U0E']) await submit(user, j1);
    const actions = createMemberActions({ store: h.store, config: h.services.config });
    await actions.apply({ action: 'remind_off', userId: 'U0B', atMs: midweek(j2) });
    await actions.apply({ action: 'pass', userId: 'U0C', atMs: midweek(j2) });
    let clock = Date.now();
    const waits: number[] = [];
    const reminders = remindersFor(
      () => clock,
      async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    );
    const report = await reminders.run(j2, 60_000);
    expect(report).toMatchObject({ due: 3, sent: 3, alreadyClaimed: 0 });
    const dms = slack.calls.filter((c) => c.ok && c.method === 'chat.postMessage');
    expect(dms.map((c) => c.args.channel).sort()).toEqual(['DU0A', 'DU0D', 'DU0E']);
    // The first goes at once, each next one a second after the one before.
    expect(waits).toEqual([1000, 1000]);
    // Claimed once: a second run sends nothing and finds the claims.
    expect(await reminders.run(j2, 60_000)).toMatchObject({ due: 3, sent: 0, alreadyClaimed: 3 });
    const claim = await h.store.read<ReminderDoc>(
      monthPartition(CHANNEL, '2027-01'),
      reminderDocId(j2.key, 'U0A'),
    );
    expect(claim?.doc.outbox).toEqual([]);
  });
});
