import { describe, expect, it } from 'vitest';
import { normalizeEvent, parseEnvelope, routingTsOf } from '../../functions/slack/envelope.js';

const CHANNEL = 'C0TIL';
const BOT = 'UBOT';
const ctx = { channelId: CHANNEL, botUserId: BOT };
const THREAD_TS = '1793577600.000100';
const REPLY_TS = '1793750400.000200';

// Shapes as Slack delivers them (Events API, message.channels / reaction_added).
function richTextLinkBlocks(url: string) {
  return [
    {
      type: 'rich_text',
      block_id: 'Xk2b',
      elements: [
        {
          type: 'rich_text_section',
          elements: [
            { type: 'text', text: '오늘의 TIL ' },
            { type: 'link', url },
          ],
        },
      ],
    },
  ];
}

function replyEvent(overrides: Record<string, unknown> = {}) {
  return {
    client_msg_id: '6a1f7c4e-2f0a-4d8e-9a43-0c5b0e3a5a11',
    type: 'message',
    text: '오늘의 TIL <https://velog.io/@kim/til-1>',
    user: 'U0123',
    ts: REPLY_TS,
    blocks: richTextLinkBlocks('https://velog.io/@kim/til-1'),
    team: 'T0001',
    thread_ts: THREAD_TS,
    parent_user_id: BOT,
    channel: CHANNEL,
    event_ts: REPLY_TS,
    channel_type: 'channel',
    ...overrides,
  };
}

function envelopeOf(event: unknown) {
  return {
    token: 'XXYYZZ',
    team_id: 'T0001',
    context_team_id: 'T0001',
    api_app_id: 'A0001',
    event,
    type: 'event_callback',
    event_id: 'Ev08MFMKH6',
    event_time: 1793750400,
    authorizations: [{ team_id: 'T0001', user_id: BOT, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: '4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJUMDAwMSIsImFpZCI6IkEwMDAxIiwiY2lkIjoiQzBUSUwifQ',
  };
}

function changedEvent(message: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return {
    type: 'message',
    subtype: 'message_changed',
    message: {
      client_msg_id: '6a1f7c4e-2f0a-4d8e-9a43-0c5b0e3a5a11',
      type: 'message',
      user: 'U0123',
      team: 'T0001',
      ts: REPLY_TS,
      thread_ts: THREAD_TS,
      parent_user_id: BOT,
      source_team: 'T0001',
      user_team: 'T0001',
      ...message,
    },
    previous_message: {
      client_msg_id: '6a1f7c4e-2f0a-4d8e-9a43-0c5b0e3a5a11',
      type: 'message',
      text: '오늘의 TIL',
      user: 'U0123',
      ts: REPLY_TS,
      thread_ts: THREAD_TS,
    },
    channel: CHANNEL,
    hidden: true,
    ts: '1793750500.000300',
    event_ts: '1793750500.000300',
    channel_type: 'channel',
    ...overrides,
  };
}

const deletedEvent = {
  type: 'message',
  subtype: 'message_deleted',
  previous_message: {
    type: 'message',
    text: '오늘의 TIL',
    user: 'U0123',
    ts: REPLY_TS,
    thread_ts: THREAD_TS,
  },
  channel: CHANNEL,
  hidden: true,
  deleted_ts: REPLY_TS,
  event_ts: '1793750600.000400',
  ts: '1793750600.000400',
  channel_type: 'channel',
};

function reactionEvent(overrides: Record<string, unknown> = {}) {
  return {
    type: 'reaction_added',
    user: 'U0456',
    reaction: '+1',
    item: { type: 'message', channel: CHANNEL, ts: REPLY_TS },
    item_user: 'U0123',
    event_ts: '1793750700.000500',
    ...overrides,
  };
}

describe('parseEnvelope', () => {
  it('answers url_verification with its challenge', () => {
    const json = {
      token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
      type: 'url_verification',
    };
    expect(parseEnvelope(json)).toEqual({
      ok: true,
      value: { type: 'url_verification', challenge: json.challenge },
    });
  });

  it('keeps the raw inner event of an event_callback with its id and routing ts', () => {
    const event = replyEvent();
    expect(parseEnvelope(envelopeOf(event))).toEqual({
      ok: true,
      value: {
        type: 'event_callback',
        eventId: 'Ev08MFMKH6',
        routingTs: REPLY_TS,
        event,
      },
    });
  });

  it('routes an edit by the edited message, not by the edit', () => {
    const edit = changedEvent({ text: 'x', edited: { user: 'U0123', ts: '1793750500.000000' } });
    expect(parseEnvelope(envelopeOf(edit))).toMatchObject({ ok: true, value: { routingTs: REPLY_TS } });
  });

  it('accepts an event_callback without the optional fields', () => {
    const json = {
      type: 'event_callback',
      event_id: 'Ev1',
      event: { type: 'app_mention', event_ts: REPLY_TS },
    };
    expect(parseEnvelope(json)).toEqual({
      ok: true,
      value: {
        type: 'event_callback',
        eventId: 'Ev1',
        routingTs: REPLY_TS,
        event: json.event,
      },
    });
  });

  it('rejects an unknown envelope type by name', () => {
    const json = { token: 'X', type: 'app_rate_limited', team_id: 'T0001', minute_rate_limited: 1518467820 };
    expect(parseEnvelope(json)).toEqual({ ok: false, error: 'unknown envelope type app_rate_limited' });
  });

  it.each([
    ['null', null],
    ['a string', 'event_callback'],
    ['an array', [envelopeOf(replyEvent())]],
    ['no type', { event_id: 'Ev1', event: { type: 'message' } }],
    ['url_verification without challenge', { type: 'url_verification', token: 'X' }],
    ['event_callback without event_id', { ...envelopeOf(replyEvent()), event_id: undefined }],
    ['event_callback with an empty event_id', { ...envelopeOf(replyEvent()), event_id: '' }],
    ['event_callback without event', { ...envelopeOf(replyEvent()), event: undefined }],
    ['event_callback with a non-object event', { ...envelopeOf('message') }],
    ['event_callback with an event without type', envelopeOf({ user: 'U0123', ts: REPLY_TS })],
    [
      'event_callback with a non-numeric event_time',
      { ...envelopeOf(replyEvent()), event_time: '1793750400' },
    ],
    [
      'event_callback with an event without any ts nor event_time',
      { ...envelopeOf({ type: 'app_uninstalled' }), event_time: undefined },
    ],
    ['event_callback with a garbled ts', envelopeOf(replyEvent({ ts: 'yesterday', event_ts: 'yesterday' }))],
    ['a ts with seven decimals', envelopeOf(replyEvent({ ts: '1793577600.1234567', event_ts: undefined }))],
    ['a malformed ts next to a valid event_ts', envelopeOf(replyEvent({ ts: 'abc' }))],
    ['a malformed event_ts next to a valid ts', envelopeOf(replyEvent({ event_ts: '1793577600.' }))],
    ['a ts beyond year 9999', envelopeOf(replyEvent({ ts: '253402400000.000000', event_ts: undefined }))],
    ['a malformed edited message ts', envelopeOf(changedEvent({ ts: 'abc' }))],
    ['a malformed deleted_ts', envelopeOf({ ...deletedEvent, deleted_ts: '-1.000000' })],
    [
      'a malformed reacted-to ts',
      envelopeOf(reactionEvent({ item: { type: 'message', channel: CHANNEL, ts: 'x' } })),
    ],
    ['a reaction whose item is not an object', envelopeOf(reactionEvent({ item: 'F0001' }))],
    ['a fractional event_time', { ...envelopeOf({ type: 'app_uninstalled' }), event_time: 1793750400.5 }],
    ['a zero event_time', { ...envelopeOf({ type: 'app_uninstalled' }), event_time: 0 }],
    ['a negative event_time', { ...envelopeOf({ type: 'app_uninstalled' }), event_time: -1793750400 }],
    ['an event_time of 1e21', { ...envelopeOf({ type: 'app_uninstalled' }), event_time: 1e21 }],
    [
      'an event_time beyond year 9999',
      { ...envelopeOf({ type: 'app_uninstalled' }), event_time: 2 ** 53 - 1 },
    ],
  ])('rejects a malformed envelope: %s', (_label, json) => {
    expect(parseEnvelope(json)).toEqual({ ok: false, error: expect.stringMatching(/^malformed envelope/) });
  });
});

it('routes an event about no message by event_time, so it is accepted and left to the consumer', () => {
  expect(parseEnvelope(envelopeOf({ type: 'app_uninstalled' }))).toMatchObject({
    ok: true,
    value: { routingTs: '1793750400.000000', event: { type: 'app_uninstalled' } },
  });
});

describe('routingTsOf', () => {
  it('routes a message by its own ts, not its thread', () => {
    expect(routingTsOf(replyEvent())).toBe(REPLY_TS);
  });

  it('routes an edit by the edited message ts', () => {
    expect(routingTsOf(changedEvent({ text: 'x', edited: { user: 'U0123', ts: '1793750500.000000' } }))).toBe(
      REPLY_TS,
    );
  });

  it('routes a deletion by deleted_ts', () => {
    expect(routingTsOf(deletedEvent)).toBe(REPLY_TS);
  });

  it('routes reactions by the reacted-to message', () => {
    expect(routingTsOf(reactionEvent())).toBe(REPLY_TS);
    expect(routingTsOf(reactionEvent({ type: 'reaction_removed' }))).toBe(REPLY_TS);
  });

  it('routes any other event by event_ts', () => {
    expect(
      routingTsOf({
        type: 'member_joined_channel',
        user: 'U1',
        channel: CHANNEL,
        event_ts: '1793750800.000600',
      }),
    ).toBe('1793750800.000600');
  });

  it('falls back to event_ts when the target field is missing', () => {
    expect(routingTsOf({ ...deletedEvent, deleted_ts: undefined })).toBe('1793750600.000400');
    expect(routingTsOf(reactionEvent({ item: { type: 'file', file: 'F0001' } }))).toBe('1793750700.000500');
  });

  it('does not fall back to event_ts when the target field is there but not a ts', () => {
    expect(routingTsOf({ ...deletedEvent, deleted_ts: 'abc' })).toBeUndefined();
    expect(routingTsOf(reactionEvent({ item: 'F0001' }))).toBeUndefined();
    expect(routingTsOf(replyEvent({ ts: '1793750400.1234567' }))).toBeUndefined();
  });

  it('accepts every ts the calendar reads: whole seconds, one to six decimals', () => {
    expect(routingTsOf({ type: 'message', ts: '1793750400' })).toBe('1793750400');
    expect(routingTsOf({ type: 'message', ts: '1793750400.1' })).toBe('1793750400.1');
    expect(routingTsOf({ type: 'message', ts: '1793750400.123456' })).toBe('1793750400.123456');
  });

  it('is undefined when the event carries no ts at all', () => {
    expect(routingTsOf({ type: 'app_home_opened' })).toBeUndefined();
    expect(routingTsOf({ type: 'message', channel: CHANNEL, text: 'x' })).toBeUndefined();
    expect(routingTsOf('not an event')).toBeUndefined();
  });
});

describe('normalizeEvent: new messages', () => {
  it('turns a thread reply into message_posted with its text and rich-text link', () => {
    expect(normalizeEvent(replyEvent(), 'Ev1', ctx)).toEqual({
      event: {
        kind: 'message_posted',
        eventId: 'Ev1',
        eventTs: REPLY_TS,
        channel: CHANNEL,
        ts: REPLY_TS,
        threadTs: THREAD_TS,
        user: 'U0123',
        content: {
          text: '오늘의 TIL <https://velog.io/@kim/til-1>',
          blockUrls: ['https://velog.io/@kim/til-1'],
          versionTs: REPLY_TS,
        },
      },
    });
  });

  it('leaves threadTs out of a top-level message', () => {
    const { thread_ts: _thread, parent_user_id: _parent, ...topLevel } = replyEvent();
    const normalized = normalizeEvent(topLevel, 'Ev1', ctx);
    expect(normalized).toMatchObject({ event: { kind: 'message_posted', ts: REPLY_TS } });
    expect('event' in normalized && 'threadTs' in normalized.event).toBe(false);
  });

  it('accepts a reply also sent to the channel (thread_broadcast)', () => {
    const normalized = normalizeEvent(replyEvent({ subtype: 'thread_broadcast' }), 'Ev1', ctx);
    expect(normalized).toMatchObject({
      event: { kind: 'message_posted', threadTs: THREAD_TS, user: 'U0123' },
    });
  });

  it('accepts a reply with a file and no text (file_share)', () => {
    const { text: _text, blocks: _blocks, ...withoutText } = replyEvent();
    const fileShare = {
      ...withoutText,
      subtype: 'file_share',
      files: [{ id: 'F0001', name: 'til.png' }],
      upload: false,
    };
    expect(normalizeEvent(fileShare, 'Ev1', ctx)).toMatchObject({
      event: { kind: 'message_posted', content: { text: '', blockUrls: [], versionTs: REPLY_TS } },
    });
  });

  it('uses ts as eventTs when event_ts is absent', () => {
    const { event_ts: _eventTs, ...withoutEventTs } = replyEvent();
    expect(normalizeEvent(withoutEventTs, 'Ev1', ctx)).toMatchObject({ event: { eventTs: REPLY_TS } });
  });

  it('collects links nested in quotes and lists, and link unfurls, once each', () => {
    const blocks = [
      {
        type: 'rich_text',
        block_id: 'a1',
        elements: [
          {
            type: 'rich_text_quote',
            elements: [{ type: 'link', url: 'https://kim.github.io/til/1', text: '내 글' }],
          },
          {
            type: 'rich_text_list',
            style: 'bullet',
            indent: 0,
            elements: [
              {
                type: 'rich_text_section',
                elements: [{ type: 'link', url: 'https://blog.naver.com/kim/1' }],
              },
              { type: 'rich_text_section', elements: [{ type: 'user', user_id: 'U0456' }] },
            ],
          },
          {
            type: 'rich_text_preformatted',
            elements: [{ type: 'text', text: 'https://not-a-link.example' }],
          },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: '<https://ignored.example|mrkdwn>' } },
    ];
    const attachments = [
      {
        from_url: 'https://kim.github.io/til/1',
        original_url: 'https://kim.github.io/til/1',
        title: 'TIL 1',
        service_name: 'kim.github.io',
      },
      { original_url: 'https://github.com/kim/til', title: 'kim/til' },
    ];
    expect(normalizeEvent(replyEvent({ blocks, attachments }), 'Ev1', ctx)).toMatchObject({
      event: {
        content: {
          blockUrls: [
            'https://kim.github.io/til/1',
            'https://blog.naver.com/kim/1',
            'https://github.com/kim/til',
          ],
        },
      },
    });
  });

  it('ignores a message in another channel', () => {
    expect(normalizeEvent(replyEvent({ channel: 'C0OTHER' }), 'Ev1', ctx)).toEqual({
      ignored: 'other channel',
    });
  });

  it("ignores the app's own message (bot_id set)", () => {
    const ownPost = replyEvent({
      user: BOT,
      bot_id: 'B0BOT',
      app_id: 'A0001',
      bot_profile: { id: 'B0BOT', name: 'TIL' },
    });
    expect(normalizeEvent(ownPost, 'Ev1', ctx)).toEqual({ ignored: 'bot message' });
  });

  it('ignores a legacy bot_message', () => {
    const { user: _user, ...withoutUser } = replyEvent();
    const botMessage = { ...withoutUser, subtype: 'bot_message', bot_id: 'B0OTHER', username: 'rss' };
    expect(normalizeEvent(botMessage, 'Ev1', ctx)).toEqual({ ignored: 'bot message' });
  });

  it('ignores a message by the bot user even without bot_id', () => {
    expect(normalizeEvent(replyEvent({ user: BOT }), 'Ev1', ctx)).toEqual({
      ignored: "the app's own message",
    });
  });

  it('accepts the same user when no bot user is known (dry run)', () => {
    expect(normalizeEvent(replyEvent({ user: BOT }), 'Ev1', { channelId: CHANNEL })).toMatchObject({
      event: { user: BOT },
    });
  });

  it('ignores a message without a user', () => {
    const { user: _user, ...withoutUser } = replyEvent();
    expect(normalizeEvent(withoutUser, 'Ev1', ctx)).toEqual({ ignored: 'message without a user' });
  });

  it.each([
    ['channel_join', { text: '<@U0789> has joined the channel', user: 'U0789' }],
    ['channel_topic', { text: 'set the channel topic: TIL', topic: 'TIL' }],
    ['me_message', {}],
  ])('ignores message/%s', (subtype, fields) => {
    expect(normalizeEvent(replyEvent({ subtype, ...fields }), 'Ev1', ctx)).toEqual({
      ignored: `unsupported event type message/${subtype}`,
    });
  });

  it('ignores a message event without ts', () => {
    const { ts: _ts, ...withoutTs } = replyEvent();
    expect(normalizeEvent(withoutTs, 'Ev1', ctx)).toMatchObject({
      ignored: expect.stringMatching(/malformed/),
    });
  });
});

describe('normalizeEvent: edits', () => {
  const edited = { user: 'U0123', ts: '1793750500.000000' };

  it('turns message_changed into message_edited with the new content and edited.ts as version', () => {
    const event = changedEvent({
      text: '수정: <https://kim.github.io/til>',
      edited,
      blocks: richTextLinkBlocks('https://kim.github.io/til'),
    });
    expect(normalizeEvent(event, 'Ev2', ctx)).toEqual({
      event: {
        kind: 'message_edited',
        eventId: 'Ev2',
        eventTs: '1793750500.000300',
        channel: CHANNEL,
        ts: REPLY_TS,
        threadTs: THREAD_TS,
        user: 'U0123',
        content: {
          text: '수정: <https://kim.github.io/til>',
          blockUrls: ['https://kim.github.io/til'],
          versionTs: '1793750500.000000',
        },
      },
    });
  });

  it('treats an unfurl (no edited field) as the original version', () => {
    const event = changedEvent({
      text: '<https://velog.io/@kim/til-1>',
      attachments: [
        { from_url: 'https://velog.io/@kim/til-1', original_url: 'https://velog.io/@kim/til-1', id: 1 },
      ],
    });
    expect(normalizeEvent(event, 'Ev3', ctx)).toMatchObject({
      event: {
        kind: 'message_edited',
        content: { versionTs: REPLY_TS, blockUrls: ['https://velog.io/@kim/til-1'] },
      },
    });
  });

  it('ignores an edit of a bot message, such as the weekly post', () => {
    const { thread_ts: _t, parent_user_id: _p, ...weeklyPost } = changedEvent({}).message;
    const event = changedEvent({
      ...weeklyPost,
      user: BOT,
      bot_id: 'B0BOT',
      ts: THREAD_TS,
      text: '*TIL 11월 1주차*',
    });
    expect(normalizeEvent(event, 'Ev4', ctx)).toEqual({ ignored: 'bot message' });
  });

  it('ignores a tombstone left by deleting a message with replies', () => {
    const event = changedEvent({
      subtype: 'tombstone',
      user: 'USLACKBOT',
      text: 'This message was deleted.',
      hidden: true,
    });
    expect(normalizeEvent(event, 'Ev5', ctx)).toEqual({
      ignored: 'unsupported event type message/tombstone',
    });
  });

  it('ignores an edit in another channel', () => {
    expect(normalizeEvent(changedEvent({ text: 'x', edited }, { channel: 'C0OTHER' }), 'Ev6', ctx)).toEqual({
      ignored: 'other channel',
    });
  });

  it('ignores a message_changed without the message', () => {
    const { message: _message, ...withoutMessage } = changedEvent({});
    expect(normalizeEvent(withoutMessage, 'Ev7', ctx)).toMatchObject({
      ignored: expect.stringMatching(/malformed/),
    });
  });
});

describe('normalizeEvent: deletes', () => {
  it('turns message_deleted into message_deleted of deleted_ts', () => {
    expect(normalizeEvent(deletedEvent, 'Ev8', ctx)).toEqual({
      event: {
        kind: 'message_deleted',
        eventId: 'Ev8',
        eventTs: '1793750600.000400',
        channel: CHANNEL,
        ts: REPLY_TS,
      },
    });
  });

  it('ignores a deletion in another channel', () => {
    expect(normalizeEvent({ ...deletedEvent, channel: 'C0OTHER' }, 'Ev8', ctx)).toEqual({
      ignored: 'other channel',
    });
  });
});

describe('normalizeEvent: reactions', () => {
  it.each(['+1', 'thumbsup', '+1::skin-tone-2', 'thumbsup::skin-tone-6'])(
    'turns a %s reaction_added into an add',
    (reaction) => {
      expect(normalizeEvent(reactionEvent({ reaction }), 'Ev9', ctx)).toEqual({
        event: {
          kind: 'reaction',
          eventId: 'Ev9',
          eventTs: '1793750700.000500',
          channel: CHANNEL,
          itemTs: REPLY_TS,
          user: 'U0456',
          added: true,
        },
      });
    },
  );

  it('turns reaction_removed into a removal', () => {
    expect(normalizeEvent(reactionEvent({ type: 'reaction_removed' }), 'Ev10', ctx)).toMatchObject({
      event: { kind: 'reaction', added: false, itemTs: REPLY_TS },
    });
  });

  it.each(['heart', 'thumbsdown', '-1', '+1::skin-tone-7', 'thumbsup_all'])(
    'ignores a %s reaction',
    (reaction) => {
      expect(normalizeEvent(reactionEvent({ reaction }), 'Ev11', ctx)).toEqual({
        ignored: 'not a thumbs-up',
      });
    },
  );

  it('ignores a reaction on a file', () => {
    const onFile = reactionEvent({ item: { type: 'file', file: 'F0001' }, item_user: 'U0123' });
    expect(normalizeEvent(onFile, 'Ev12', ctx)).toEqual({ ignored: 'reaction not on a message' });
  });

  it('ignores a reaction in another channel', () => {
    const elsewhere = reactionEvent({ item: { type: 'message', channel: 'C0OTHER', ts: REPLY_TS } });
    expect(normalizeEvent(elsewhere, 'Ev13', ctx)).toEqual({ ignored: 'other channel' });
  });

  it("ignores the app's own reaction", () => {
    expect(normalizeEvent(reactionEvent({ user: BOT }), 'Ev14', ctx)).toEqual({
      ignored: "the app's own reaction",
    });
  });

  it('ignores a reaction without a user', () => {
    const { user: _user, ...withoutUser } = reactionEvent();
    expect(normalizeEvent(withoutUser, 'Ev15', ctx)).toMatchObject({
      ignored: expect.stringMatching(/malformed/),
    });
  });
});

describe('normalizeEvent: a ts the calendar cannot read is ignored as malformed, not left to throw later', () => {
  const garbled: unknown[] = ['abc', '1793750400.1234567', '1793750400.', '253402400000.000000', 1793750400];
  const edited = { user: 'U0123', ts: '1793750500.000000' };

  it.each<[string, unknown]>([
    ...garbled.map((ts): [string, unknown] => [`message ts ${ts}`, replyEvent({ ts })]),
    ...garbled.map((ts): [string, unknown] => [`message thread_ts ${ts}`, replyEvent({ thread_ts: ts })]),
    ...garbled.map((ts): [string, unknown] => [`message event_ts ${ts}`, replyEvent({ event_ts: ts })]),
    ['edited message ts', changedEvent({ text: 'x', edited, ts: 'abc' })],
    ['edited message thread_ts', changedEvent({ text: 'x', edited, thread_ts: '1.2.3' })],
    ['edited.ts', changedEvent({ text: 'x', edited: { user: 'U0123', ts: 'later' } })],
    ['message_changed ts', changedEvent({ text: 'x', edited }, { ts: 'abc' })],
    ['message_changed event_ts', changedEvent({ text: 'x', edited }, { event_ts: '1793750500.1234567' })],
    ['deleted_ts', { ...deletedEvent, deleted_ts: 'abc' }],
    ['message_deleted ts', { ...deletedEvent, ts: '' }],
    ['message_deleted event_ts', { ...deletedEvent, event_ts: '1793750600.0004000' }],
    ['reaction item.ts', reactionEvent({ item: { type: 'message', channel: CHANNEL, ts: 'abc' } })],
    ['reaction event_ts', reactionEvent({ event_ts: '1793750700.1234567' })],
  ])('%s', (_label, event) => {
    expect(normalizeEvent(event, 'Ev18', ctx)).toEqual({
      ignored: expect.stringMatching(/^malformed .*event$/),
    });
  });
});

describe('normalizeEvent: everything else', () => {
  it.each([
    [
      { type: 'member_joined_channel', user: 'U0789', channel: CHANNEL, event_ts: '1793750800.000600' },
      'member_joined_channel',
    ],
    [
      {
        type: 'app_mention',
        user: 'U0123',
        text: '<@UBOT> hi',
        ts: REPLY_TS,
        channel: CHANNEL,
        event_ts: REPLY_TS,
      },
      'app_mention',
    ],
    [{ type: 'pin_added', user: 'U0123', channel_id: CHANNEL, event_ts: REPLY_TS }, 'pin_added'],
  ])('ignores %j as unsupported', (event, type) => {
    expect(normalizeEvent(event, 'Ev16', ctx)).toEqual({ ignored: `unsupported event type ${type}` });
  });

  it.each([null, 'message', 42, { user: 'U0123' }])('ignores %j without a type', (event) => {
    expect(normalizeEvent(event, 'Ev17', ctx)).toMatchObject({ ignored: expect.any(String) });
  });
});

describe('ids that are no Slack ids (a queued event from before the edge checked them)', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'u0123', ''])(
    '#12: ignores a reaction by %j as malformed: it never reaches the state',
    (user) => {
      expect(normalizeEvent(reactionEvent({ user }), 'Ev19', ctx)).toEqual({
        ignored: 'malformed reaction event',
      });
    },
  );

  it.each(['__proto__', 'constructor'])('#12: ignores a message by %j as malformed', (user) => {
    expect(normalizeEvent(replyEvent({ user }), 'Ev20', ctx)).toEqual({ ignored: 'malformed message event' });
  });

  it.each(['USLACKBOT', 'W0123ABCD', 'U01234567890ABCDEFGH'])('accepts a reaction by %s', (user) => {
    expect(normalizeEvent(reactionEvent({ user }), 'Ev21', ctx)).toMatchObject({ event: { user } });
  });
});

describe('parseEnvelope: sizes', () => {
  const envelope = (fields: Record<string, unknown>, event: Record<string, unknown> = replyEvent()) => ({
    type: 'event_callback',
    event_id: 'Ev0123ABCD',
    event_time: 1793750400,
    event,
    ...fields,
  });

  it('#11: refuses an event_id over 128 characters, the queue id limit', () => {
    expect(parseEnvelope(envelope({ event_id: `Ev${'X'.repeat(127)}` }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/event_id/),
    });
    expect(parseEnvelope(envelope({ event_id: `Ev${'X'.repeat(126)}` })).ok).toBe(true);
  });

  it('#11: refuses a ts padded with leading zeros (a store id as long as the body)', () => {
    const padded = `${'0'.repeat(10_000)}${REPLY_TS}`;
    expect(parseEnvelope(envelope({}, replyEvent({ ts: padded, event_ts: padded }))).ok).toBe(false);
  });
});
