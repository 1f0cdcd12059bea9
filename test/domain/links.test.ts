import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptedLinks,
  DEFAULT_BLOG_HOSTS,
  extractUrls,
  isAcceptedBlogUrl,
  isThumbsUp,
  isValidHostPattern,
  type ScanSteps,
  urlsInText,
} from '../../functions/domain/links.js';
import type { MessageContent } from '../../functions/domain/types.js';

const content = (text: string, blockUrls: string[] = []): MessageContent => ({
  text,
  blockUrls,
  versionTs: '1793577600.000100',
});

describe('extractUrls', () => {
  const cases: [string, string, string[]][] = [
    ['plain Slack link', 'TIL <https://velog.io/@me/post>', ['https://velog.io/@me/post']],
    ['labelled Slack link', '<https://velog.io/@me/post|내 글>', ['https://velog.io/@me/post']],
    [
      'label that looks like a URL',
      '<https://evil.example/|https://velog.io/@me>',
      ['https://evil.example/'],
    ],
    ['http scheme', '<http://me.github.io/til>', ['http://me.github.io/til']],
    ['upper-case scheme', '<HTTPS://velog.io/a>', ['HTTPS://velog.io/a']],
    ['user mention ignored', '<@U0123> 님 <https://velog.io/a>', ['https://velog.io/a']],
    ['labelled user mention ignored', '<@U0123|me>', []],
    ['channel mention ignored', '<#C0123|til> <#C0456>', []],
    ['special mentions ignored', '<!here> <!channel> <!subteam^S1|@team>', []],
    ['mailto ignored', '<mailto:me@velog.io|me@velog.io>', []],
    ['non-http scheme ignored', '<ftp://velog.io/a> <javascript:alert(1)>', []],
    [
      'escaped ampersand in link',
      '<https://blog.naver.com/PostView.naver?blogId=me&amp;logNo=1>',
      ['https://blog.naver.com/PostView.naver?blogId=me&logNo=1'],
    ],
    ['escaped angle brackets in link', '<https://velog.io/a?q=&lt;b&gt;>', ['https://velog.io/a?q=<b>']],
    ['bare URL', 'see https://velog.io/@me/post today', ['https://velog.io/@me/post']],
    ['bare URL with escaped ampersand', 'https://x.example/?a=1&amp;b=2', ['https://x.example/?a=1&b=2']],
    [
      'bare URL ends before trailing punctuation',
      'read https://velog.io/@me/post.',
      ['https://velog.io/@me/post'],
    ],
    [
      'bare URL ends before a closing parenthesis',
      '(https://velog.io/@me/post)',
      ['https://velog.io/@me/post'],
    ],
    ['bare URL ends before Korean text', 'https://velog.io/@me/post입니다', ['https://velog.io/@me/post']],
    ['bare URL ends before escaped angle bracket', 'https://velog.io/a&gt;b', ['https://velog.io/a']],
    [
      'several, in order',
      '1 <https://a.example/> 2 https://b.example/ 3 <https://c.example/|c>',
      ['https://a.example/', 'https://b.example/', 'https://c.example/'],
    ],
    [
      'repeats removed',
      '<https://velog.io/a> <https://velog.io/a|again> https://velog.io/a',
      ['https://velog.io/a'],
    ],
    ['no URLs', '오늘은 쉬었습니다', []],
    ['empty text', '', []],
    ['unterminated bracket', '<https://velog.io/a', ['https://velog.io/a']],
  ];

  it.each(cases)('%s', (_name, text, expected) => {
    expect(extractUrls(content(text))).toEqual(expected);
  });

  it('appends block URLs after the text URLs, without repeats', () => {
    expect(
      extractUrls(
        content('<https://velog.io/a>', [
          'https://me.github.io/b',
          'https://velog.io/a',
          'https://me.github.io/b',
        ]),
      ),
    ).toEqual(['https://velog.io/a', 'https://me.github.io/b']);
  });

  it('finds URLs that are only in blocks', () => {
    expect(extractUrls(content('링크는 아래에', ['https://blog.naver.com/me/1']))).toEqual([
      'https://blog.naver.com/me/1',
    ]);
  });
});

describe('extractUrls is linear in the text (#13)', () => {
  /** The regular expression URL extraction used before: the reference for what a URL in the text is. */
  function urlsByRegex(text: string): string[] {
    const urls: string[] = [];
    const unescapeSlack = (s: string) =>
      s.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
    for (const [, markup, bare] of text.matchAll(/<([^<>]*)>|(https?:\/\/(?:(?!&lt;|&gt;)[!-;=?-~])+)/gi)) {
      if (markup !== undefined) {
        const target = markup.split('|', 1)[0]!;
        if (/^https?:\/\//i.test(target)) urls.push(unescapeSlack(target));
      } else if (bare !== undefined) urls.push(unescapeSlack(bare.replace(/[.,;:!?'")\]]+$/, '')));
    }
    return urls;
  }

  it('finds exactly the URLs the regular expression found, on any text (property)', () => {
    const pieces = fc.constantFrom(
      '<',
      '>',
      '|',
      '&lt;',
      '&LT;',
      '&gt;',
      '&amp;',
      'http://',
      'HTTPS://',
      'https:/',
      'h',
      'a.b',
      '.',
      ',',
      ')',
      ']',
      "'",
      '"',
      ':',
      '/',
      ' ',
      '\n',
      '오늘',
      '@U1',
      '#',
      '!',
      'velog.io',
      '?q=1',
    );
    const texts = fc
      .array(fc.oneof(pieces, fc.string({ maxLength: 3 })), { maxLength: 40 })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(texts, (text) => {
        expect(urlsInText(text)).toEqual(urlsByRegex(text));
      }),
      { numRuns: 3000 },
    );
  });

  const SLACK_MAX = 40_000;
  /** Texts that made the pattern backtrack, or could make a scanner rescan, at three times Slack's maximum. */
  const adversarial: [string, string, string[]][] = [
    [
      'a run of dots inside a bare URL',
      `http://a${'.'.repeat(3 * SLACK_MAX)}x`,
      [`http://a${'.'.repeat(3 * SLACK_MAX)}x`],
    ],
    ['a run of trailing punctuation', `https://a/${'.,;:!?)'.repeat(17_000)}`, ['https://a/']],
    [
      'punctuation runs broken by letters',
      `http://a${'.,a'.repeat(SLACK_MAX)}`,
      [`http://a${'.,a'.repeat(SLACK_MAX)}`],
    ],
    ['unclosed markup', `<${'a'.repeat(3 * SLACK_MAX)}`, []],
    [
      'unclosed markup with a URL',
      `<https://velog.io/${'a'.repeat(3 * SLACK_MAX)}`,
      [`https://velog.io/${'a'.repeat(3 * SLACK_MAX)}`],
    ],
    ['opening brackets only', '<'.repeat(3 * SLACK_MAX), []],
    ['schemes without a URL', 'https:'.repeat(SLACK_MAX / 2), []],
    [
      'escapes that almost end a URL',
      `http://a${'&l'.repeat(SLACK_MAX)}`,
      [`http://a${'&l'.repeat(SLACK_MAX)}`],
    ],
    ['many short URLs', 'http://a. '.repeat(12_000), Array<string>(12_000).fill('http://a')],
  ];

  it.each(adversarial)(
    'reads %s (120,000 characters) right, looking at each character a few times',
    (_, text, expected) => {
      const counter: ScanSteps = { steps: 0 };
      expect(urlsInText(text, counter)).toEqual(expected);
      expect(counter.steps).toBeLessThanOrEqual(3 * text.length + 1);
    },
  );
});

describe('isAcceptedBlogUrl', () => {
  const accepted = [
    'https://velog.io/@me/post',
    'https://VELOG.io/@me/post',
    'http://velog.io/@me/post',
    'https://velog.io./@me/post',
    'https://velog.io:443/@me/post',
    'https://me.github.io/x',
    'https://ME.GitHub.IO/x',
    'https://a.b.github.io/x',
    'https://github.com/me/til',
    'https://blog.naver.com/me/223',
    'https://m.blog.naver.com/me/223',
    'https://user:pw@velog.io/@me',
  ];
  const rejected = [
    'https://velog.io.evil.example/x',
    'https://evil.example/?u=velog.io/',
    'https://evil.example/velog.io',
    'https://evil.example/#velog.io',
    'https://velog.io@evil.example/',
    'https://notvelog.io/',
    'https://www.velog.io/@me',
    'https://github.io/x',
    'https://github.io./x',
    'https://.github.io/x',
    'https://..github.io/x',
    'https://a..github.io/x',
    'https://.velog.io/x',
    'https://evilgithub.io/x',
    'https://me.github.io.evil.example/x',
    'https://gist.github.com/me/1',
    'https://naver.com/me',
    'https://xblog.naver.com/me',
    'ftp://velog.io/x',
    'javascript://velog.io/%0aalert(1)',
    'velog.io/@me/post',
    '//velog.io/@me',
    'https://',
    'not a url',
    '',
  ];

  it.each(accepted)('accepts %s', (url) => {
    expect(isAcceptedBlogUrl(url, DEFAULT_BLOG_HOSTS)).toBe(true);
  });

  it.each(rejected)('rejects %s', (url) => {
    expect(isAcceptedBlogUrl(url, DEFAULT_BLOG_HOSTS)).toBe(false);
  });

  it('accepts nothing with no patterns', () => {
    expect(isAcceptedBlogUrl('https://velog.io/@me', [])).toBe(false);
  });

  it('matches patterns case-insensitively and ignores a trailing dot in the pattern', () => {
    expect(isAcceptedBlogUrl('https://tistory.com/x', ['Tistory.COM.'])).toBe(true);
    expect(isAcceptedBlogUrl('https://me.tistory.com/x', ['*.Tistory.com'])).toBe(true);
    expect(isAcceptedBlogUrl('https://tistory.com/x', ['*.tistory.com'])).toBe(false);
  });

  it('matches internationalised host names by their punycode form', () => {
    expect(isAcceptedBlogUrl('https://블로그.example/x', ['xn--2i0b10rqve.example'])).toBe(true);
  });
});

describe('acceptedLinks', () => {
  it('keeps accepted links, deduplicated, in order of appearance', () => {
    const message = content(
      '<https://evil.example/|https://velog.io/@me> <https://velog.io/@me/b> <https://me.github.io/a> ' +
        '<https://velog.io/@me/b|again> https://velog.io.evil.example/x',
      ['https://github.com/me/til', 'https://me.github.io/a'],
    );
    expect(acceptedLinks(message, DEFAULT_BLOG_HOSTS)).toEqual([
      'https://velog.io/@me/b',
      'https://me.github.io/a',
      'https://github.com/me/til',
    ]);
  });

  it('is empty for a reply without accepted links', () => {
    expect(acceptedLinks(content('<https://medium.com/@me/post> <@U1>'), DEFAULT_BLOG_HOSTS)).toEqual([]);
  });

  it('uses the configured patterns only', () => {
    expect(
      acceptedLinks(content('<https://velog.io/a> <https://me.tistory.com/b>'), ['*.tistory.com']),
    ).toEqual(['https://me.tistory.com/b']);
  });
});

describe('isValidHostPattern', () => {
  const valid = [
    'velog.io',
    '*.github.io',
    'github.com',
    'blog.naver.com',
    'm.blog.naver.com',
    'localhost',
    'Velog.IO',
    'xn--2i0b10rqve.example',
    'a-b.example',
    '*.a.b.example',
  ];
  const invalid = [
    '',
    '*',
    '*.',
    '*.com',
    '*velog.io',
    'a.*.example',
    '**.github.io',
    'velog.io.',
    '.velog.io',
    'velog..io',
    '-velog.io',
    'velog-.io',
    'https://velog.io',
    'velog.io/path',
    'velog.io:443',
    ' velog.io',
    'vel og.io',
    'user@velog.io',
    `${'a'.repeat(64)}.example`,
  ];

  it.each(valid)('accepts %j', (pattern) => {
    expect(isValidHostPattern(pattern)).toBe(true);
  });

  it.each(invalid)('rejects %j', (pattern) => {
    expect(isValidHostPattern(pattern)).toBe(false);
  });

  it('accepts every default host', () => {
    expect(DEFAULT_BLOG_HOSTS.every(isValidHostPattern)).toBe(true);
  });
});

describe('isThumbsUp', () => {
  const yes = [
    '+1',
    'thumbsup',
    ...[2, 3, 4, 5, 6].flatMap((n) => [`+1::skin-tone-${n}`, `thumbsup::skin-tone-${n}`]),
  ];
  const no = [
    'thumbsdown',
    '-1',
    '+1::skin-tone-1',
    '+1::skin-tone-7',
    '+1::skin-tone-9',
    '+1::skin-tone-',
    '+1:skin-tone-2',
    '+1::skin-tone-22',
    '+10',
    '+1 ',
    'THUMBSUP',
    'thumbs_up',
    'heart',
    '',
  ];

  it.each(yes)('%s is 👍', (name) => {
    expect(isThumbsUp(name)).toBe(true);
  });

  it.each(no)('%j is not 👍', (name) => {
    expect(isThumbsUp(name)).toBe(false);
  });
});
