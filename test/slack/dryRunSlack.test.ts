import { describe, expect, it } from 'vitest';
import { createDryRunSlack } from '../../functions/adapters/slack/dryRunSlack.js';

function dryRun() {
  const lines: string[] = [];
  return { slack: createDryRunSlack((line) => lines.push(line)), lines };
}

describe('DryRunSlack', () => {
  it('prints a marked line per message and returns increasing Slack-format ts', async () => {
    const { slack, lines } = dryRun();
    const weekly = await slack.postMessage({ channel: 'C0TIL', text: '*TIL 11월 4주차*' });
    const broadcast = await slack.postMessage({ channel: 'C0TIL', text: '참여했습니다' });
    expect(weekly.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(broadcast.ts)).toBeGreaterThan(Number(weekly.ts));
    expect(lines).toEqual([
      `[dry-run] chat.postMessage #C0TIL -> ts ${weekly.ts}: *TIL 11월 4주차*`,
      `[dry-run] chat.postMessage #C0TIL -> ts ${broadcast.ts}: 참여했습니다`,
    ]);
  });

  it('keeps ts unique even for many posts within one microsecond tick', async () => {
    const { slack } = dryRun();
    const posts = await Promise.all(
      Array.from({ length: 50 }, () => slack.postMessage({ channel: 'C', text: 'x' })),
    );
    expect(new Set(posts.map((p) => p.ts)).size).toBe(50);
  });

  it('prints a marked line per DM', async () => {
    const { slack, lines } = dryRun();
    await slack.sendDirectMessage('U0123', '좋아요 3개');
    expect(lines).toEqual(['[dry-run] chat.postMessage DM @U0123: 좋아요 3개']);
  });

  it('answers lookups without printing', async () => {
    const { slack, lines } = dryRun();
    expect(await slack.botUserId()).toBeUndefined();
    expect(await slack.userInfo('U0123')).toEqual({ id: 'U0123', name: 'U0123', isBot: false });
    expect(await slack.permalink('C0TIL', '1793750400.000200')).toBe(
      'https://slack.com/archives/C0TIL/p1793750400000200',
    );
    expect(lines).toEqual([]);
  });
});
