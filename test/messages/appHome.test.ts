/**
 * The App Home view (messages/appHome.ts) within Slack's Block Kit limits whatever the member status holds:
 * long labels, URLs and names, many weeks, a big top list, every standing and switch.
 */
import type { Button, HomeView, KnownBlock } from '@slack/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MemberStatus } from '../../functions/app/memberStatus.js';
import { appHomeView } from '../../functions/messages/appHome.js';
import { templatesFor } from '../../functions/messages/templates.js';
import { HOME_ACTION_BUTTONS, HOME_LINK_BUTTONS } from '../../functions/slack/homeActions.js';

const ZONE = 'Asia/Seoul';
/** Slack's Block Kit reference (home views, section, header, context, button), not the module's own constants. */
const HOME_LIMITS = {
  blocks: 100,
  sectionText: 3_000,
  headerText: 150,
  contextText: 2_000,
  buttonText: 75,
  buttonUrl: 3_000,
  buttonValue: 2_000,
  actionId: 255,
};
/** Short most of the time, sometimes longer than any Slack text may be. */
const longText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 3_000, maxLength: 4_000 }),
);
const url = fc.oneof(
  fc.constant(null),
  fc.webUrl(),
  fc.string({ minLength: 2_990, maxLength: 3_100 }).map((tail) => `https://velog.io/@a/${tail}`),
  fc.string({ maxLength: 50 }),
);
const weekKey = fc
  .record({ m: fc.integer({ min: 1, max: 12 }), n: fc.integer({ min: 1, max: 5 }) })
  .map(({ m, n }) => `2026-${String(m).padStart(2, '0')}-W${n}`);
const userId = fc.stringMatching(/^U[A-Z0-9]{1,63}$/);
const deadlineMs = fc.integer({
  min: Date.parse('2026-01-04T15:00:00Z'),
  max: Date.parse('2026-12-27T15:00:00Z'),
});

const status: fc.Arbitrary<MemberStatus> = fc
  .record({
    userId,
    atMs: deadlineMs,
    weekKey,
    label: longText,
    deadlineMs,
    timeLeftMs: fc.nat({ max: 8 * 86_400_000 }),
    posted: fc.boolean(),
    threadUrl: url,
    open: fc.boolean(),
    submission: fc.option(
      fc.record({
        replyTs: fc.constant('1793577600.000100'),
        replyUrl: url,
        blogUrl: fc.webUrl(),
        likes: fc.nat(),
      }),
    ),
    passedThisWeek: fc.boolean(),
    passesOn: fc.boolean(),
    limit: fc.nat({ max: 9 }),
    left: fc.nat({ max: 9 }),
    canPass: fc.boolean(),
    canUndo: fc.boolean(),
    current: fc.nat(),
    longest: fc.nat(),
    weeks: fc.array(
      fc.record({
        key: weekKey,
        label: longText,
        standing: fc.constantFrom('took_part', 'passed', 'missed', 'open') as fc.Arbitrary<
          MemberStatus['month']['weeks'][number]['standing']
        >,
      }),
      { maxLength: 8, size: 'max' },
    ),
    likes: fc.nat(),
    challenger: fc.boolean(),
    path: fc.record({
      status: fc.constantFrom('out', 'done', 'on_track') as fc.Arbitrary<'out' | 'done' | 'on_track'>,
      missed: fc.array(weekKey, { maxLength: 80, size: 'max' }),
      toGo: fc.array(weekKey, { maxLength: 80, size: 'max' }),
    }),
    top: fc.array(fc.record({ userId, name: longText, likes: fc.nat() }), { maxLength: 8, size: 'max' }),
    scheduled: fc.boolean(),
    on: fc.boolean(),
  })
  .map(
    (s): MemberStatus => ({
      userId: s.userId,
      atMs: s.atMs,
      week: {
        key: s.weekKey,
        label: s.label,
        deadline: new Date(s.deadlineMs).toISOString(),
        deadlineMs: s.deadlineMs,
        timeLeftMs: s.timeLeftMs,
        posted: s.posted,
        threadTs: s.posted ? '1793577600.000100' : null,
        threadUrl: s.threadUrl,
        open: s.open,
      },
      submission: s.submission,
      passedThisWeek: s.passedThisWeek,
      passes: {
        on: s.passesOn,
        limit: s.limit,
        left: s.left,
        canPass: s.canPass ? { ok: true } : { ok: false, refusal: { reason: 'passes_off' } },
        canUndo: s.canUndo,
      },
      streak: { current: s.current, longest: s.longest },
      month: {
        key: s.weekKey.slice(0, 7),
        weeks: s.weeks,
        likes: s.likes,
        challenger: s.challenger,
        toBecomeChallenger: s.path,
        top: s.top,
      },
      reminders: { scheduled: s.scheduled, on: s.on },
    }),
  );

const chars = (text: string) => Array.from(text).length;

/** Every Slack limit the view must keep; returns the problems found (none expected). */
function limitProblems(view: HomeView): string[] {
  const problems: string[] = [];
  if (view.blocks.length > HOME_LIMITS.blocks) problems.push(`${view.blocks.length} blocks`);
  const actionIds: string[] = [];
  const blockIds: string[] = [];
  for (const block of view.blocks as KnownBlock[]) {
    if (block.block_id) blockIds.push(block.block_id);
    if (block.type === 'section') {
      const text = block.text?.text ?? '';
      if (chars(text) < 1 || chars(text) > HOME_LIMITS.sectionText)
        problems.push(`section of ${chars(text)}`);
    }
    if (block.type === 'header' && chars(block.text.text) > HOME_LIMITS.headerText) problems.push('header');
    if (block.type === 'context') {
      if (block.elements.length > 10) problems.push('context elements');
      for (const e of block.elements) {
        if ('text' in e && typeof e.text === 'string' && chars(e.text) > HOME_LIMITS.contextText)
          problems.push('context');
      }
    }
    if (block.type === 'actions') {
      if (block.elements.length < 1 || block.elements.length > 25) problems.push('actions elements');
      for (const element of block.elements as Button[]) {
        actionIds.push(element.action_id ?? '');
        if (chars(element.text.text) > HOME_LIMITS.buttonText) problems.push('button text');
        if (
          element.url !== undefined &&
          (element.url.length > HOME_LIMITS.buttonUrl || !/^https?:\/\//.test(element.url))
        )
          problems.push('button url');
        if (element.value !== undefined && chars(element.value) > HOME_LIMITS.buttonValue)
          problems.push('value');
        if ((element.action_id ?? '').length > HOME_LIMITS.actionId) problems.push('action_id');
      }
    }
  }
  if (new Set(actionIds).size !== actionIds.length) problems.push(`duplicate action_id in ${actionIds}`);
  if (new Set(blockIds).size !== blockIds.length) problems.push('duplicate block_id');
  return problems;
}

describe('App Home view', () => {
  it.each(['ko', 'en'] as const)('stays within Slack’s limits for any status (%s)', (locale) => {
    const texts = templatesFor(locale).homeTexts();
    fc.assert(
      fc.property(status, fc.option(longText), fc.option(url), (s, notice, dashboardUrl) => {
        const view = appHomeView({
          status: s,
          texts,
          timeZone: ZONE,
          dashboardUrl: dashboardUrl ?? undefined,
          notice: notice ?? undefined,
        });
        expect(view.type).toBe('home');
        expect(limitProblems(view)).toEqual([]);
        expect(JSON.stringify(view).length).toBeLessThan(100_000);
      }),
      { numRuns: 60 },
    );
  });

  it('offers pass or undo only when passes are on, reminders only when scheduled, links only when known', () => {
    const texts = templatesFor('ko').homeTexts();
    fc.assert(
      fc.property(status, fc.option(fc.webUrl()), (s, dashboardUrl) => {
        const view = appHomeView({
          status: s,
          texts,
          timeZone: ZONE,
          dashboardUrl: dashboardUrl ?? undefined,
        });
        const ids = (view.blocks as KnownBlock[]).flatMap((b) =>
          b.type === 'actions' ? (b.elements as Button[]).map((e) => e.action_id) : [],
        );
        const passButtons = ids.filter((id) => id === 'til_pass' || id === 'til_pass_undo');
        if (!s.passes.on) expect(passButtons).toEqual([]);
        if (s.passes.on && s.passes.canUndo) expect(passButtons).toEqual(['til_pass_undo']);
        if (s.passes.on && !s.passes.canUndo && s.passes.canPass.ok)
          expect(passButtons).toEqual(['til_pass']);
        expect(ids.some((id) => id === 'til_remind_on' || id === 'til_remind_off')).toBe(
          s.reminders.scheduled,
        );
        if (s.reminders.scheduled) expect(ids).toContain(s.reminders.on ? 'til_remind_off' : 'til_remind_on');
        expect(ids.includes(HOME_LINK_BUTTONS.openDashboard)).toBe(
          dashboardUrl !== null && dashboardUrl.length <= 3_000,
        );
        for (const id of ids)
          expect([...Object.keys(HOME_ACTION_BUTTONS), ...Object.values(HOME_LINK_BUTTONS)]).toContain(id);
      }),
      { numRuns: 60 },
    );
  });
});
