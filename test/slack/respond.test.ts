/** SlackPort.respond and publishHomeView over the Web API adapter, against the loopback fake Slack. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSlackResponseUrl, SlackCallError } from '../../functions/adapters/slack/slack.js';
import { createWebApiSlack } from '../../functions/adapters/slack/webApiSlack.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';

let fake: FakeSlack;
let elsewhere: FakeSlack;
beforeAll(async () => {
  [fake, elsewhere] = await Promise.all([startFakeSlack(), startFakeSlack()]);
});
afterAll(() => Promise.all([fake.close(), elsewhere.close()]));

const slack = () =>
  createWebApiSlack({ token: 'xoxb-respond', apiUrl: fake.url, retryConfig: { retries: 1, minTimeout: 5 } });

describe('isSlackResponseUrl', () => {
  it.each([
    ['https://hooks.slack.com/commands/T0/123/abc', 'https://slack.com/api/', true],
    ['https://hooks.slack.com/actions/T0/123/abc', 'https://slack.com/api/', true],
    ['http://hooks.slack.com/commands/T0/123/abc', 'https://slack.com/api/', false],
    ['https://hooks.slack.com.evil.example/commands/x', 'https://slack.com/api/', false],
    ['https://user:pw@hooks.slack.com/commands/x', 'https://slack.com/api/', false],
    ['https://evil.example/hooks/commands/x', 'https://slack.com/api/', false],
    ['http://127.0.0.1:4000/hooks/commands/x', 'http://127.0.0.1:4000/api/', true],
    ['http://127.0.0.1:4000/api/chat.postMessage', 'http://127.0.0.1:4000/api/', false],
    ['http://127.0.0.1:4001/hooks/commands/x', 'http://127.0.0.1:4000/api/', false],
    ['not a url', 'https://slack.com/api/', false],
  ])('%s (API %s): %s', (url, apiUrl, expected) => {
    expect(isSlackResponseUrl(url, apiUrl)).toBe(expected);
  });
});

describe('respond', () => {
  it('posts an ephemeral answer to the response_url', async () => {
    await slack().respond(fake.responseUrl('r1'), { text: '안녕하세요' });
    const call = await fake.waitFor(
      (c) => c.method === 'response_url' && String(c.args.url).includes('/r1/'),
    );
    expect(call.args).toMatchObject({
      response_type: 'ephemeral',
      text: '안녕하세요',
      replace_original: false,
    });
  });

  it('never posts to a URL that is not Slack’s hooks (nor the configured API’s origin)', async () => {
    const error = await slack()
      .respond(elsewhere.responseUrl('r2'), { text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackCallError);
    expect((error as SlackCallError).code).toBe('invalid_response_url');
    expect(elsewhere.calls).toEqual([]);
  });

  it('reports an answer that failed with a 5xx without repeating it (a repeat may show twice)', async () => {
    fake.failNext('response_url', { status: 503 });
    await expect(slack().respond(fake.responseUrl('r3'), { text: 'x' })).rejects.toThrow(/response_url/);
    expect(fake.calls.filter((c) => String(c.args.url).includes('/r3/'))).toHaveLength(1);
  });
});

describe('publishHomeView', () => {
  it('calls views.publish with the member and the home view', async () => {
    const view = { type: 'home' as const, blocks: [{ type: 'divider' as const }] };
    await slack().publishHomeView('U0ALICE', view);
    const call = await fake.waitFor((c) => c.method === 'views.publish');
    expect(call).toMatchObject({ ok: true, args: { user_id: 'U0ALICE', view } });
  });
});
