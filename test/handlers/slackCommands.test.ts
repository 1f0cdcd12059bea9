/**
 * POST /api/slack/commands and /api/slack/interactions through the handlers both hosts use (createServices):
 * SPEC 3.4 and SPEC 4's table (401 / 413 / 400 with nothing enqueued), what is queued (session, messageId) and
 * what is answered at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDryRunSlack } from '../../functions/adapters/slack/dryRunSlack.js';
import { type MemberActionMessage, memberActionMessageSchema } from '../../functions/app/queuedEvent.js';
import { MAX_BODY_BYTES } from '../../functions/handlers/readBody.js';
import { signSlackRequest } from '../../functions/slack/verifySignature.js';
import { homeButtonClick, slashCommand } from '../support/slackPayloads.js';
import { type Harness, harness, invocationContext, request, SECRET } from './helpers.js';

/** Tuesday 2026-12-01 10:00 in Seoul: in the week of Monday 2026-11-30, which belongs to November. */
const NOW_MS = Date.parse('2026-12-01T10:00:00+09:00');
const NOW_SEC = Math.floor(NOW_MS / 1000);
const RESPONSE_URL = 'https://hooks.slack.com/commands/T0TEAM/123/abc';
const COMMANDS = '/api/slack/commands';
const INTERACTIONS = '/api/slack/interactions';

let h: Harness;
let logLines: string[];
beforeEach(async () => {
  h = await harness({
    slack: createDryRunSlack(() => {}),
    now: () => NOW_MS,
    env: { PASSES_PER_MONTH: '2', REMINDER_AT: 'SUN 18:00', ADMIN_USER_IDS: 'U0ADMIN' },
  });
  logLines = [];
});
afterEach(async () => {
  await h.dispose();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function signed(raw: string | Uint8Array, timestampSec = NOW_SEC, secret = SECRET) {
  const timestamp = String(timestampSec);
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signSlackRequest(secret, timestamp, Buffer.from(raw)),
  };
}

function post(path: string, raw: string | Uint8Array, headers: Record<string, string> = signed(raw)) {
  const handler = path === COMMANDS ? h.services.slackCommands : h.services.slackInteractions;
  return handler(request({ method: 'POST', path, headers, body: raw }), invocationContext(path, logLines));
}

const command = (text: string, extra: Record<string, string> = {}) =>
  form({
    ...slashCommand({ user: 'U0ALICE', text, responseUrl: RESPONSE_URL, triggerId: '111.222.abc' }),
    ...extra,
  });
const click = (actionId: string) =>
  form({ payload: JSON.stringify(homeButtonClick({ user: 'U0ALICE', actionId, triggerId: '333.444.def' })) });
const ephemeralText = (response: { jsonBody?: unknown }) => (response.jsonBody as { text: string }).text;

describe.each([
  ['commands', COMMANDS, command('pass')],
  ['interactions', INTERACTIONS, click('til_pass')],
])('slack-%s: SPEC 4 (nothing enqueued)', (_name, path, raw) => {
  it('401 without a signature, with a wrong one, or a stale or future timestamp', async () => {
    const { 'x-slack-signature': _, ...unsigned } = signed(raw);
    const answers = await Promise.all([
      post(path, raw, unsigned),
      post(path, raw, signed(raw, NOW_SEC, 'not-the-secret')),
      post(path, raw, signed(raw, NOW_SEC - 6 * 60)),
      post(path, raw, signed(raw, NOW_SEC + 6 * 60)),
    ]);
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    expect(h.queue.sent).toEqual([]);
  });

  it('413 for a body over 1 MiB, signed or not', async () => {
    const big = `${raw}&pad=${'x'.repeat(MAX_BODY_BYTES)}`;
    expect((await post(path, big)).status).toBe(413);
    expect(h.queue.sent).toEqual([]);
  });

  it('400 for a signed body that is not the form Slack sends', async () => {
    const answers = await Promise.all([
      post(path, form({ nothing: 'here' })),
      post(path, `${raw}&${raw}`),
      post(path, form({ payload: '{"type":"block_actions",' })),
    ]);
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400]);
    expect(h.queue.sent).toEqual([]);
  });
});

describe('slack-commands', () => {
  const queued = () => h.queue.sent.map((m) => ({ ...m, body: memberActionMessageSchema.parse(m.body) }));

  it('400 for a command without a user, a trigger id or a response_url, or a user id that is none', async () => {
    const fields = slashCommand({ user: 'U0ALICE', text: 'pass', responseUrl: RESPONSE_URL });
    const without = (name: string) =>
      form(Object.fromEntries(Object.entries(fields).filter(([k]) => k !== name)));
    const answers = await Promise.all([
      post(COMMANDS, without('user_id')),
      post(COMMANDS, without('trigger_id')),
      post(COMMANDS, without('response_url')),
      post(COMMANDS, command('pass', { user_id: '__proto__' })),
      post(COMMANDS, command('pass', { response_url: 'not a url' })),
    ]);
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400, 400]);
    expect(h.queue.sent).toEqual([]);
  });

  it('`/til pass` is queued in the session of the current week’s month, named by the trigger id', async () => {
    const response = await post(COMMANDS, command('pass'));
    expect(response.status).toBe(200);
    expect(response.body).toBe('');
    expect(queued()).toEqual([
      expect.objectContaining({
        // 1 December, but in the week of Monday 30 November: November's session.
        sessionId: '2026-11',
        messageId: 'command:111.222.abc',
        body: {
          kind: 'member_action',
          action: 'pass',
          userId: 'U0ALICE',
          atMs: NOW_MS,
          actionId: 'command:111.222.abc',
          reply: { to: 'response_url', url: RESPONSE_URL },
        } satisfies MemberActionMessage,
      }),
    ]);
  });

  it.each([
    ['pass undo', 'pass_undo'],
    ['PASS  Undo', 'pass_undo'],
    ['remind off', 'remind_off'],
    ['remind on', 'remind_on'],
  ])('`/til %s` is queued as %s', async (text, action) => {
    expect((await post(COMMANDS, command(text))).status).toBe(200);
    expect(queued().map((m) => m.body.action)).toEqual([action]);
  });

  it('a retried command (same trigger id) is queued under the same messageId, so the queue drops it', async () => {
    await post(COMMANDS, command('pass'));
    await post(COMMANDS, command('pass'));
    expect(new Set(h.queue.sent.map((m) => m.messageId))).toEqual(new Set(['command:111.222.abc']));
  });

  it('`/til help` answers the help at once, in Korean, and queues nothing', async () => {
    const response = await post(COMMANDS, command('help'));
    expect(response.status).toBe(200);
    const text = ephemeralText(response);
    expect(response.jsonBody).toMatchObject({ response_type: 'ephemeral' });
    expect(text).toContain('*TIL 챌린지 명령어*');
    expect(text).toContain('`/til pass`');
    expect(text).toContain('한 달에 2번까지');
    expect(text).toContain('`/til remind off`');
    expect(h.queue.sent).toEqual([]);
  });

  it.each(['hello', 'pass please', 'remind maybe', 'remind'])(
    'an unknown subcommand (`/til %s`) gets help, not silence',
    async (text) => {
      const response = await post(COMMANDS, command(text));
      expect(response.status).toBe(200);
      expect(ephemeralText(response)).toContain(`\`/til ${text}\``);
      expect(ephemeralText(response)).toContain('알 수 없는 명령이에요');
      expect(ephemeralText(response)).toContain('*TIL 챌린지 명령어*');
      expect(h.queue.sent).toEqual([]);
    },
  );

  it('`/til` and `/til status` answer the member’s status at once', async () => {
    for (const text of ['', 'status']) {
      const response = await post(COMMANDS, command(text));
      expect(response.status).toBe(200);
      expect(ephemeralText(response)).toContain('TIL 11월 5주차');
      expect(ephemeralText(response)).toContain('연속 참여');
    }
    expect(h.queue.sent).toEqual([]);
  });

  it('`/til admin …` from a non-admin is refused ephemerally, nothing changed', async () => {
    const response = await post(COMMANDS, command('admin skip 2026-11-W5'));
    expect(response.status).toBe(200);
    expect(ephemeralText(response)).toContain('관리자만');
    expect(h.queue.sent).toEqual([]);
  });
});

describe('slack-interactions', () => {
  it('a Home pass button is queued for the member, answered on their Home', async () => {
    const response = await post(INTERACTIONS, click('til_pass'));
    expect(response.status).toBe(200);
    expect(h.queue.sent).toEqual([
      expect.objectContaining({
        sessionId: '2026-11',
        messageId: 'interaction:333.444.def',
        body: expect.objectContaining({ action: 'pass', userId: 'U0ALICE', reply: { to: 'home' } }),
      }),
    ]);
  });

  it('a link button (thread, dashboard) or an unknown action id is acknowledged and queues nothing', async () => {
    for (const actionId of ['til_open_thread', 'til_open_dashboard', 'constructor', 'something_else']) {
      expect((await post(INTERACTIONS, click(actionId))).status).toBe(200);
    }
    expect(h.queue.sent).toEqual([]);
  });

  it('400 for an interaction type the app never asks for, or without a user', async () => {
    const payload = homeButtonClick({ user: 'U0ALICE', actionId: 'til_pass' });
    const answers = await Promise.all([
      post(INTERACTIONS, form({ payload: JSON.stringify({ ...payload, type: 'view_submission' }) })),
      post(INTERACTIONS, form({ payload: JSON.stringify({ ...payload, user: {} }) })),
      post(INTERACTIONS, form({ payload: JSON.stringify({ ...payload, actions: [] }) })),
      post(INTERACTIONS, form({ payload: `${'['.repeat(100)}${']'.repeat(100)}` })),
    ]);
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400]);
    expect(h.queue.sent).toEqual([]);
  });
});
