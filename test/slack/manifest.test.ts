/**
 * slack-app-manifest.yaml asks for every scope the bot needs: each SlackPort method is called against the fake
 * Slack, and every Web API method it made must have its required scope (Slack's method reference) in the
 * manifest; so must every bot event and the slash command. A new SlackPort method fails here until it has a
 * driver below, and a new Web API method until its scope is in REQUIRED_SCOPES.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackPort } from '../../functions/adapters/slack/slack.js';
import { createWebApiSlack } from '../../functions/adapters/slack/webApiSlack.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';

/** Slack's method reference, "Required scopes" (bot tokens); [] = no scope required. */
const REQUIRED_SCOPES: Record<string, string[]> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.getPermalink': [],
  // The TIL channel's history (public or private channel) and the bot's DMs (a like DM already sent).
  'conversations.history': ['channels:history', 'groups:history', 'im:history'],
  'conversations.open': ['im:write'],
  // The start-up self-check: is the bot in the TIL channel (public or private)?
  'conversations.info': ['channels:read', 'groups:read'],
  // The re-sync reads a weekly thread back, with each reply's reactions.
  'conversations.replies': ['channels:history', 'groups:history'],
  'reactions.get': ['reactions:read'],
  'users.info': ['users:read'],
  'views.publish': [],
  // A response_url is no Web API method: the URL is its own credential.
  response_url: [],
};

/** Events API: the scope each subscribed bot event needs. */
const EVENT_SCOPES: Record<string, string[]> = {
  'message.channels': ['channels:history'],
  'message.groups': ['groups:history'],
  reaction_added: ['reactions:read'],
  reaction_removed: ['reactions:read'],
  app_home_opened: [],
};

const manifest = readFileSync(new URL('../../slack-app-manifest.yaml', import.meta.url), 'utf8');

/** The `- item` lines of the list under `key:` (indented block), comments dropped. */
function listUnder(key: string): string[] {
  const lines = manifest.split('\n');
  const start = lines.findIndex((line) => line.trim() === `${key}:`);
  expect(start, `${key}: in the manifest`).toBeGreaterThanOrEqual(0);
  const indent = lines[start]!.search(/\S/);
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (line.search(/\S/) <= indent) break;
    const item = /^\s*-\s*([^\s#]+)/.exec(line);
    if (item) items.push(item[1]!);
  }
  return items;
}

let fake: FakeSlack;
let slack: SlackPort;
beforeAll(async () => {
  fake = await startFakeSlack();
  slack = createWebApiSlack({ token: 'xoxb-manifest', apiUrl: fake.url, retryConfig: { retries: 0 } });
});
afterAll(() => fake.close());

const tag = { type: 'til_like_dm', id: 'x' } as const;
/** One call of each SlackPort method; the type makes a new method fail to compile until it is driven here. */
const drivers: Record<keyof SlackPort, (port: SlackPort) => Promise<unknown>> = {
  botUserId: (port) => port.botUserId(),
  identity: (port) => port.identity(),
  channelMembership: (port) => port.channelMembership('C0TIL0001'),
  threadRepliesPage: (port) =>
    port.threadRepliesPage('C0TIL0001', fake.addMessage('C0TIL0001', { text: 'a weekly post' })),
  messageReactions: (port) =>
    port.messageReactions('C0TIL0001', fake.addMessage('C0TIL0001', { text: 'a reply' })),
  postMessage: (port) => port.postMessage({ channel: 'C0TIL0001', text: 'x' }),
  sendDirectMessage: (port) => port.sendDirectMessage('U0ALICE', 'x'),
  userInfo: (port) => port.userInfo('U0ALICE'),
  permalink: (port) => port.permalink('C0TIL0001', '1793577600.000100'),
  findTaggedMessage: (port) => port.findTaggedMessage('C0TIL0001', tag, '0'),
  findTaggedDirectMessage: (port) => port.findTaggedDirectMessage('U0ALICE', tag, '0'),
  postEphemeral: (port) =>
    port.postEphemeral({ channel: 'C0TIL0001', user: 'U0ALICE', threadTs: '1.1', text: 'x' }),
  respond: (port) => port.respond(fake.responseUrl('manifest'), { text: 'x' }),
  publishHomeView: (port) => port.publishHomeView('U0ALICE', { type: 'home', blocks: [] }),
};

describe('slack-app-manifest.yaml', () => {
  it('has the scope of every Web API method that a SlackPort method calls', async () => {
    expect(Object.keys(slack).sort()).toEqual(Object.keys(drivers).sort());
    for (const drive of Object.values(drivers)) await drive(slack);
    const methods = [...new Set(fake.calls.map((call) => call.method))].sort();
    expect(methods.filter((method) => !(method in REQUIRED_SCOPES))).toEqual([]);
    const scopes = listUnder('bot');
    const missing = methods.flatMap((m) => REQUIRED_SCOPES[m]!.filter((s) => !scopes.includes(s)));
    expect(missing).toEqual([]);
    expect(methods).toEqual(expect.arrayContaining(['views.publish', 'response_url', 'chat.postEphemeral']));
  });

  it('has the scope of every bot event it subscribes to, and `commands` for /til', () => {
    const events = listUnder('bot_events');
    expect(events).toEqual(expect.arrayContaining(Object.keys(EVENT_SCOPES)));
    const scopes = listUnder('bot');
    expect(
      events.flatMap((e) => (EVENT_SCOPES[e] ?? [`<unknown event ${e}>`]).filter((s) => !scopes.includes(s))),
    ).toEqual([]);
    expect(manifest).toMatch(/slash_commands:\s+- command: \/til/);
    expect(scopes).toContain('commands');
  });

  it('points the command and interactivity at the routes the app serves, marked to replace', () => {
    expect(manifest).toContain('url: https://<your-function-app>.azurewebsites.net/api/slack/commands');
    expect(manifest).toContain(
      'request_url: https://<your-function-app>.azurewebsites.net/api/slack/interactions',
    );
    expect(manifest).toContain('request_url: https://<your-function-app>.azurewebsites.net/api/slack/events');
    expect(manifest).toMatch(/home_tab_enabled: true/);
    expect(manifest).toMatch(/messages_tab_enabled: true/);
  });
});
