/** Which URLs in a reply are blog links, and which reactions are 👍. */
import type { MessageContent } from './types.js';

export const DEFAULT_BLOG_HOSTS: string[] = [
  'velog.io',
  '*.github.io',
  'github.com',
  'blog.naver.com',
  'm.blog.naver.com',
];

const HTTP_URL = /^https?:\/\//i;
const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const EXACT_HOST = new RegExp(`^(?:${HOST_LABEL}\\.)*${HOST_LABEL}$`, 'i');
// A wildcard needs at least two labels after it: "*.com" would accept every .com site.
const WILDCARD_HOST = new RegExp(`^\\*\\.(?:${HOST_LABEL}\\.)+${HOST_LABEL}$`, 'i');
const THUMBS_UP = /^(?:\+1|thumbsup)(?:::skin-tone-[2-6])?$/;

/** Slack escapes only these three characters in message text. */
function unescapeSlack(s: string): string {
  return s.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** Counts the characters a scan looks at, for the test that proves the scan linear. */
export interface ScanSteps {
  steps: number;
}

/**
 * Printable ASCII without `<` and `>`: what a bare URL is made of, so adjoining (e.g. Korean) text and Slack
 * markup are not swallowed.
 */
const isBareUrlChar = (c: number) => c >= 0x21 && c <= 0x7e && c !== 0x3c && c !== 0x3e;
/** Sentence punctuation that ends a bare URL rather than belonging to it: . , ; : ! ? ' " ) ] */
const isTrailingPunctuation = (c: number) => '.,;:!?\'")]'.includes(String.fromCharCode(c));

/** `text` has `word` (lower-case ASCII) at `at`, in any case. */
function hasAt(text: string, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = text.charCodeAt(at + i);
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** Length of the http(s) scheme and `//` at `at`, or 0. */
function schemeAt(text: string, at: number): number {
  if (hasAt(text, at, 'https://')) return 8;
  if (hasAt(text, at, 'http://')) return 7;
  return 0;
}

/**
 * Every URL in the text, in order: Slack markup `<target|label>` / `<target>` whose target is http(s), and bare
 * http(s) URLs, which stop before an escaped `&lt;`/`&gt;` and lose trailing sentence punctuation.
 *
 * A single forward scan (a regular expression with a trailing-punctuation pattern took quadratic time on a
 * 40,000-character reply): markup is read from one `<` to the next `<` or `>`, so no character is in two markup
 * attempts; a bare URL is read once and the scan resumes after it. Each character is looked at a bounded
 * number of times whatever the text.
 */
export function urlsInText(text: string, counter?: ScanSteps): string[] {
  const urls: string[] = [];
  let steps = 0;
  let i = 0;
  while (i < text.length) {
    steps++;
    if (text.charCodeAt(i) === 0x3c /* < */) {
      let end = i + 1;
      while (end < text.length && text[end] !== '<' && text[end] !== '>') end++;
      steps += end - i;
      if (text[end] === '>') {
        // `<@U…>`, `<#C…>`, `<!here>` and `<mailto:…>` are not web links.
        const markup = text.slice(i + 1, end);
        const bar = markup.indexOf('|');
        const target = bar < 0 ? markup : markup.slice(0, bar);
        if (HTTP_URL.test(target)) urls.push(unescapeSlack(target));
        i = end + 1;
        continue;
      }
      // No closing `>` before the next `<`: not markup; the scan goes on from the next character.
      i++;
      continue;
    }
    const scheme = schemeAt(text, i);
    if (scheme === 0) {
      i++;
      continue;
    }
    let end = i + scheme;
    while (
      end < text.length &&
      isBareUrlChar(text.charCodeAt(end)) &&
      !hasAt(text, end, '&lt;') &&
      !hasAt(text, end, '&gt;')
    ) {
      end++;
    }
    steps += end - i;
    if (end === i + scheme) {
      // A scheme with nothing after it is no URL.
      i++;
      continue;
    }
    let kept = end;
    while (kept > i && isTrailingPunctuation(text.charCodeAt(kept - 1))) kept--;
    steps += end - kept;
    urls.push(unescapeSlack(text.slice(i, kept)));
    i = end;
  }
  if (counter) counter.steps += steps;
  return urls;
}

/** Every http(s) URL in the text (Slack links and bare URLs, in order) followed by the block URLs; no repeats. */
export function extractUrls(content: MessageContent): string[] {
  return [...new Set([...urlsInText(content.text), ...content.blockUrls])];
}

function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function hostMatches(host: string, pattern: string): boolean {
  const p = normalizeHost(pattern);
  // "*.github.io" is the suffix ".github.io": any subdomain, never the apex "github.io".
  return p.startsWith('*.') ? host.endsWith(p.slice(1)) : host === p;
}

/** True when `url` is http(s) and its parsed host name matches a pattern (never a substring match). */
export function isAcceptedBlogUrl(url: string, hostPatterns: string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  const host = normalizeHost(parsed.hostname);
  // WHATWG URL allows empty labels (".github.io"); no real blog host has one.
  if (host.split('.').includes('')) return false;
  return hostPatterns.some((pattern) => hostMatches(host, pattern));
}

/** The reply's accepted blog links, in order of appearance, without repeats. */
export function acceptedLinks(content: MessageContent, hostPatterns: string[]): string[] {
  return extractUrls(content).filter((url) => isAcceptedBlogUrl(url, hostPatterns));
}

/** A host pattern is an exact host name ("velog.io") or "*." followed by one ("*.github.io"). */
export function isValidHostPattern(pattern: string): boolean {
  return EXACT_HOST.test(pattern) || WILDCARD_HOST.test(pattern);
}

/** 👍 in any skin tone: Slack names it `+1` (alias `thumbsup`), with an optional `::skin-tone-2`…`6`. */
export function isThumbsUp(reactionName: string): boolean {
  return THUMBS_UP.test(reactionName);
}
