/**
 * The shapes Slack really sends, as strictly as Slack sends them and no stricter: what the edge accepts is then
 * something the queue, the store and the consumer can all take, and an id is never an object's prototype member.
 */

/** Slack's event ids (`Ev0PV52K21`) are short and printable; Service Bus limits a message id to 128 characters. */
export const EVENT_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Member ids as Slack sends them in events: `U…` (workspace), `W…` (Enterprise Grid), upper-case letters and
 * digits (`USLACKBOT` included). Slack says ids grow over time, so the bound is generous.
 */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{1,63}$/;

/** Conversation ids: `C…` public, `G…` private (older), `D…` direct messages. */
export const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{1,63}$/;

/** A ts is "1793577600.000100": 17 characters now, 19 in year 9999; leading zeros are no longer a ts. */
export const MAX_TS_CHARS = 20;

/**
 * Slack's deepest real payloads (rich-text lists within lists) nest about a dozen levels; a body nested deeper
 * than this is refused before it is parsed, so no recursive walk over it (ours, zod's, the queue's) can
 * overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether the JSON text nests arrays and objects deeper than `max`. One pass over the characters, no recursion;
 * brackets inside strings are skipped. Malformed JSON may give either answer: JSON.parse rejects it next.
 */
export function jsonNestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/**
 * Slack's trigger ids (`13345224609.738474920.8088930838d88f008e0`): short, dotted, alphanumeric. They name a
 * command's or a click's queue message, so they stay well inside Service Bus's 128-character message id.
 */
export const TRIGGER_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** A response_url is a short https URL; Slack's are about 100 characters. */
export const MAX_RESPONSE_URL_CHARS = 2_000;
