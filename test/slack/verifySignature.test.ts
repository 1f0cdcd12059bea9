import { describe, expect, it } from 'vitest';
import { signSlackRequest, verifySlackSignature } from '../../functions/slack/verifySignature.js';

// Slack's published example (https://api.slack.com/authentication/verifying-requests-from-slack).
const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const timestamp = '1531420618';
const body =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const timestampMs = Number(timestamp) * 1000;

function verify(overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) {
  return verifySlackSignature({
    signingSecret: secret,
    timestampHeader: timestamp,
    signatureHeader: signature,
    rawBody: body,
    nowMs: timestampMs,
    ...overrides,
  });
}

describe('signSlackRequest', () => {
  it("reproduces Slack's published example", () => {
    expect(signSlackRequest(secret, timestamp, body)).toBe(signature);
    expect(signSlackRequest(secret, Number(timestamp), Buffer.from(body))).toBe(signature);
  });
});

describe('verifySlackSignature', () => {
  it("accepts Slack's published example, as a string or a Buffer", () => {
    expect(verify()).toEqual({ ok: true });
    expect(verify({ rawBody: Buffer.from(body) })).toEqual({ ok: true });
  });

  it('rejects a tampered body', () => {
    expect(verify({ rawBody: body.replace('roadrunner', 'coyote') })).toMatchObject({ ok: false });
    expect(verify({ rawBody: `${body} ` })).toMatchObject({ ok: false });
  });

  it('rejects a signature made with another secret', () => {
    expect(verify({ signingSecret: `${secret}x` })).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('rejects a signature for another timestamp', () => {
    const otherTimestamp = String(Number(timestamp) + 1);
    expect(verify({ timestampHeader: otherTimestamp })).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it.each([
    ['299 s in the past', -299],
    ['299 s in the future', 299],
    ['exactly 300 s in the past', -300],
  ])('accepts a timestamp %s', (_label, skewSeconds) => {
    expect(verify({ nowMs: timestampMs - skewSeconds * 1000 })).toEqual({ ok: true });
  });

  it.each([
    ['301 s stale', 301],
    ['301 s in the future', -301],
  ])('rejects a timestamp %s', (_label, nowOffsetSeconds) => {
    expect(verify({ nowMs: timestampMs + nowOffsetSeconds * 1000 })).toEqual({
      ok: false,
      reason: 'timestamp outside the 5-minute window',
    });
  });

  it.each(['', 'abc', '1531420618.5', '-1531420618', ' 1531420618'])('rejects the timestamp %j', (header) => {
    expect(verify({ timestampHeader: header })).toMatchObject({ ok: false });
  });

  it('rejects missing headers', () => {
    expect(verify({ timestampHeader: undefined })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/missing/),
    });
    expect(verify({ timestampHeader: null })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/missing/),
    });
    expect(verify({ signatureHeader: undefined })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/missing/),
    });
    expect(verify({ signatureHeader: '' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/missing/),
    });
  });

  it('rejects a short or long signature without throwing', () => {
    expect(verify({ signatureHeader: signature.slice(0, -2) })).toEqual({
      ok: false,
      reason: 'malformed signature',
    });
    expect(verify({ signatureHeader: `${signature}00` })).toEqual({
      ok: false,
      reason: 'malformed signature',
    });
    expect(verify({ signatureHeader: 'v0=' })).toEqual({ ok: false, reason: 'malformed signature' });
  });

  it('rejects a non-hex signature of the right length', () => {
    const nonHex = `v0=${'z'.repeat(64)}`;
    expect(nonHex.length).toBe(signature.length);
    expect(verify({ signatureHeader: nonHex })).toEqual({ ok: false, reason: 'malformed signature' });
  });

  it('rejects another signature version', () => {
    expect(verify({ signatureHeader: signature.replace('v0=', 'v1=') })).toEqual({
      ok: false,
      reason: 'malformed signature',
    });
  });

  it('rejects a single flipped hex digit', () => {
    const last = signature.at(-1) === '3' ? '4' : '3';
    expect(verify({ signatureHeader: signature.slice(0, -1) + last })).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });
});
