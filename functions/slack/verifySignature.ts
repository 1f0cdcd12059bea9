/**
 * Slack request signing (https://api.slack.com/authentication/verifying-requests-from-slack):
 * HMAC-SHA256 over `v0:<timestamp>:<raw body>` with the app's signing secret, sent as `v0=<hex>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's replay window: requests older (or newer) than this are rejected. */
const MAX_CLOCK_SKEW_SECONDS = 5 * 60;
const SIGNATURE_PATTERN = /^v0=[0-9a-f]{64}$/;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export interface SignedRequest {
  signingSecret: string;
  /** `X-Slack-Request-Timestamp` */
  timestampHeader: string | null | undefined;
  /** `X-Slack-Signature` */
  signatureHeader: string | null | undefined;
  /** The body exactly as received: re-serialised JSON would not match the signature. */
  rawBody: Buffer | string;
  nowMs: number;
}

export function signSlackRequest(
  signingSecret: string,
  timestamp: string | number,
  rawBody: Buffer | string,
) {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

/**
 * What can be checked without the body: both headers present and well-formed, the timestamp inside the window.
 * Run before the body is read, so an unsigned or replayed request costs neither a 1 MiB read nor an HMAC.
 */
export function checkSignatureHeaders(
  request: Pick<SignedRequest, 'timestampHeader' | 'signatureHeader' | 'nowMs'>,
): SignatureCheck {
  const { timestampHeader, signatureHeader, nowMs } = request;
  if (!timestampHeader) return { ok: false, reason: 'missing X-Slack-Request-Timestamp header' };
  if (!signatureHeader) return { ok: false, reason: 'missing X-Slack-Signature header' };
  if (!/^\d+$/.test(timestampHeader)) return { ok: false, reason: 'timestamp is not an integer' };

  const skewSeconds = Math.abs(nowMs / 1000 - Number(timestampHeader));
  if (skewSeconds > MAX_CLOCK_SKEW_SECONDS) {
    return { ok: false, reason: 'timestamp outside the 5-minute window' };
  }
  if (!SIGNATURE_PATTERN.test(signatureHeader)) return { ok: false, reason: 'malformed signature' };
  return { ok: true };
}

export function verifySlackSignature(request: SignedRequest): SignatureCheck {
  const headers = checkSignatureHeaders(request);
  if (!headers.ok) return headers;
  const { signingSecret, timestampHeader, signatureHeader, rawBody } = request;
  const expected = Buffer.from(signSlackRequest(signingSecret, timestampHeader!, rawBody));
  const received = Buffer.from(signatureHeader!);
  // timingSafeEqual throws on unequal lengths; the pattern check makes them equal, this keeps it that way.
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    return { ok: false, reason: 'signature mismatch' };
  }
  return { ok: true };
}
