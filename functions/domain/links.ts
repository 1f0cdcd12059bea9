/** Which URLs in a reply are blog links, and which reactions are 👍. */
import type { MessageContent } from './types.js';

export const DEFAULT_BLOG_HOSTS: string[] = [
  'velog.io',
  '*.github.io',
  'github.com',
  'blog.naver.com',
  'm.blog.naver.com',
];

/**
 * Slack markup `<target|label>` / `<target>`, or a bare http(s) URL. Bare URLs are printable ASCII
 * without `<`/`>` and stop before an escaped `&lt;`/`&gt;`, so adjoining (e.g. Korean) text is not swallowed.
 */
const URL_IN_TEXT = /<([^<>]*)>|(https?:\/\/(?:(?!&lt;|&gt;)[!-;=?-~])+)/gi;
const HTTP_URL = /^https?:\/\//i;
/** Sentence punctuation that ends a bare URL rather than belonging to it. */
const TRAILING_PUNCTUATION = /[.,;:!?'")\]]+$/;
const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const EXACT_HOST = new RegExp(`^(?:${HOST_LABEL}\\.)*${HOST_LABEL}$`, 'i');
// A wildcard needs at least two labels after it: "*.com" would accept every .com site.
const WILDCARD_HOST = new RegExp(`^\\*\\.(?:${HOST_LABEL}\\.)+${HOST_LABEL}$`, 'i');
const THUMBS_UP = /^(?:\+1|thumbsup)(?:::skin-tone-[2-6])?$/;

/** Slack escapes only these three characters in message text. */
function unescapeSlack(s: string): string {
  return s.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** Every http(s) URL in the text (Slack links and bare URLs, in order) followed by the block URLs; no repeats. */
export function extractUrls(content: MessageContent): string[] {
  const urls: string[] = [];
  for (const match of content.text.matchAll(URL_IN_TEXT)) {
    const [, markup, bare] = match;
    if (markup !== undefined) {
      // `<@U…>`, `<#C…>`, `<!here>` and `<mailto:…>` are not web links.
      const target = markup.split('|', 1)[0]!;
      if (HTTP_URL.test(target)) urls.push(unescapeSlack(target));
    } else if (bare !== undefined) {
      urls.push(unescapeSlack(bare.replace(TRAILING_PUNCTUATION, '')));
    }
  }
  urls.push(...content.blockUrls);
  return [...new Set(urls)];
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
