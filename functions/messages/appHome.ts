/**
 * The member's App Home (SPEC 8) as a Block Kit home view, from the member status read model and the texts of
 * messages/memberSurfaces.ts. Every block stays within Slack's limits whatever the input (test/messages/
 * appHome.test.ts): at most 100 blocks, section texts at most 3,000 characters, button texts 75, URLs 3,000,
 * values 2,000, action_ids unique.
 */
import type { ActionsBlock, Button, HomeView, KnownBlock, SectionBlock } from '@slack/types';
import type { MemberStatus } from '../app/memberStatus.js';
import { HOME_LINK_BUTTONS, homeActionId } from '../slack/homeActions.js';
import type { HomeTexts } from './memberSurfaces.js';

export const HOME_LIMITS = {
  blocks: 100,
  sectionText: 3_000,
  headerText: 150,
  contextText: 2_000,
  buttonText: 75,
  buttonUrl: 3_000,
  buttonValue: 2_000,
  actionId: 255,
} as const;

export interface AppHomeInput {
  status: MemberStatus;
  texts: HomeTexts;
  timeZone: string;
  dashboardUrl?: string;
  /** The answer to the member's last click (a pass refused, say), shown at the top. */
  notice?: string;
}

/** Cut to `max` characters (by code point, so no emoji is split), marking the cut. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

const section = (text: string): SectionBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clip(text, HOME_LIMITS.sectionText) },
});

function button(
  text: string,
  actionId: string,
  extra: { url?: string; value?: string; primary?: boolean } = {},
) {
  const element: Button = {
    type: 'button',
    text: { type: 'plain_text', text: clip(text, HOME_LIMITS.buttonText), emoji: true },
    action_id: actionId,
  };
  if (extra.url !== undefined) element.url = extra.url;
  if (extra.value !== undefined) element.value = clip(extra.value, HOME_LIMITS.buttonValue);
  if (extra.primary) element.style = 'primary';
  return element;
}

/** A URL Slack accepts on a button: http(s), short enough; anything else leaves the button out. */
const usableUrl = (url: string | null | undefined): string | undefined =>
  url && /^https?:\/\//.test(url) && url.length <= HOME_LIMITS.buttonUrl ? url : undefined;

const actions = (blockId: string, elements: Button[]): ActionsBlock[] =>
  elements.length > 0 ? [{ type: 'actions', block_id: blockId, elements }] : [];

export function appHomeView(input: AppHomeInput): HomeView {
  const { status, texts } = input;
  const threadUrl = usableUrl(status.week.threadUrl);
  const dashboardUrl = usableUrl(input.dashboardUrl);

  const weekButtons: Button[] = [];
  if (threadUrl)
    weekButtons.push(button(texts.buttons.openThread, HOME_LINK_BUTTONS.openThread, { url: threadUrl }));
  if (status.passes.on && status.passes.canUndo) {
    weekButtons.push(button(texts.buttons.passUndo, homeActionId('pass_undo'), { value: status.week.key }));
  } else if (status.passes.on && status.passes.canPass.ok) {
    weekButtons.push(button(texts.buttons.pass, homeActionId('pass'), { value: status.week.key }));
  }

  const settingButtons: Button[] = [];
  if (status.reminders.scheduled) {
    settingButtons.push(
      status.reminders.on
        ? button(texts.buttons.remindOff, homeActionId('remind_off'))
        : button(texts.buttons.remindOn, homeActionId('remind_on')),
    );
  }
  if (dashboardUrl) {
    settingButtons.push(
      button(texts.buttons.openDashboard, HOME_LINK_BUTTONS.openDashboard, { url: dashboardUrl }),
    );
  }

  const monthLines = status.month.weeks.map((w) => texts.weekStanding(w.label, w.standing));
  const topLines = status.month.top
    .slice(0, 5)
    .map((member, index) => texts.topLine(index + 1, member.userId, member.likes));
  const standing = [texts.streak(status), texts.likes(status), texts.challenger(status)];
  if (status.passes.on) standing.push(texts.passes(status));

  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: clip(texts.title, HOME_LIMITS.headerText), emoji: true },
    },
    ...(input.notice ? [section(input.notice), { type: 'divider' } as const] : []),
    section(`${texts.weekHeadline(status)}\n${texts.thisWeek(status)}`),
    ...actions('til_week', weekButtons),
    { type: 'divider' },
    section(standing.join('\n')),
    section([texts.monthTitle(status), ...(monthLines.length ? monthLines : [texts.noWeeksYet])].join('\n')),
    { type: 'divider' },
    section([texts.topTitle, ...(topLines.length ? topLines : [texts.noLikesYet])].join('\n')),
    ...actions('til_settings', settingButtons),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: clip(
            [
              status.reminders.scheduled ? texts.remindersState(status.reminders.on) : undefined,
              texts.updatedAt(status.atMs, input.timeZone),
            ]
              .filter(Boolean)
              .join(' · '),
            HOME_LIMITS.contextText,
          ),
        },
      ],
    },
  ];
  return { type: 'home', blocks: blocks.slice(0, HOME_LIMITS.blocks) };
}
