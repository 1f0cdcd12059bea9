/**
 * Korean particles after words the bot does not choose (event ids, names): 을/를, 이/가, 은/는, 과/와, 으로/로
 * depend on whether the word, read aloud, ends in a final consonant (batchim), and 으로/로 on whether that is ㄹ.
 */
export type ParticlePair = '을/를' | '이/가' | '은/는' | '과/와' | '으로/로';

type FinalSound = 'none' | 'rieul' | 'other';

/** Digits as read in Korean: 영 일 이 삼 사 오 육 칠 팔 구. */
const DIGIT_FINALS: FinalSound[] = [
  'other',
  'rieul',
  'none',
  'other',
  'none',
  'none',
  'other',
  'rieul',
  'rieul',
  'none',
];

/** Latin letters as read in Korean: only 엘 (L), 엠 (M), 엔 (N) and 알 (R) end in a consonant. */
const LETTER_FINALS: Record<string, FinalSound> = { l: 'rieul', r: 'rieul', m: 'other', n: 'other' };

/** Spaces and ASCII punctuation after a word are not read: "job." ends in b. */
const UNREAD = /[\s!-/:-@[-`{-~]/;

/** How the last read character of `word` ends, or undefined when the bot cannot tell (an emoji, nothing). */
function finalSound(word: string): FinalSound | undefined {
  const chars = Array.from(word);
  for (let i = chars.length - 1; i >= 0; i--) {
    const char = chars[i]!;
    if (UNREAD.test(char)) continue;
    const code = char.codePointAt(0)!;
    if (code >= 0xac00 && code <= 0xd7a3) {
      const final = (code - 0xac00) % 28;
      return final === 0 ? 'none' : final === 8 ? 'rieul' : 'other';
    }
    if (char >= '0' && char <= '9') return DIGIT_FINALS[Number(char)];
    if (/[a-z]/i.test(char)) return LETTER_FINALS[char.toLowerCase()] ?? 'none';
    return undefined;
  }
  return undefined;
}

/** The particle of `pair` that follows `word`: koreanParticle('Ev1', '을/를') is 을. Both forms when unsure. */
export function koreanParticle(word: string, pair: ParticlePair): string {
  const [afterConsonant, afterVowel] = pair.split('/') as [string, string];
  const sound = finalSound(word);
  if (sound === undefined) return pair === '으로/로' ? '(으)로' : `${afterConsonant}(${afterVowel})`;
  if (sound === 'none' || (sound === 'rieul' && pair === '으로/로')) return afterVowel;
  return afterConsonant;
}
