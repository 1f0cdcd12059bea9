/** The answer keeper (app/keptAnswers.ts): when it computes, when it shares, when it lets go. */
import { describe, expect, it } from 'vitest';
import { createAnswerKeeper, jsonAnswer, matchesIfNoneMatch } from '../../functions/app/keptAnswers.js';

function counting(value: unknown = { n: 1 }, extra: { expiresAtMs?: number } = {}) {
  const calls = { count: 0 };
  const compute = async () => {
    calls.count += 1;
    await new Promise((resolve) => setImmediate(resolve));
    return { value: { ...(value as object), call: calls.count }, ...extra };
  };
  return { calls, compute };
}

describe('answer keeper', () => {
  it('computes once per version, and concurrent requests of one version share the computation', async () => {
    const keep = createAnswerKeeper({ now: () => 0, limit: 4 });
    const { calls, compute } = counting();
    const [a, b] = await Promise.all([keep('m', '1', compute), keep('m', '1', compute)]);
    expect(calls.count).toBe(1);
    expect(a).toBe(b);
    expect(await keep('m', '1', compute)).toBe(a);
    const next = await keep('m', '2', compute);
    expect(calls.count).toBe(2);
    expect(next.etag).not.toBe(a.etag);
    expect(JSON.parse(next.body.toString())).toEqual({ n: 1, call: 2 });
  });

  it('keeps nothing without a version (a store that cannot tell)', async () => {
    const keep = createAnswerKeeper({ now: () => 0, limit: 4 });
    const { calls, compute } = counting();
    await keep('m', undefined, compute);
    await keep('m', undefined, compute);
    expect(calls.count).toBe(2);
  });

  it('computes again once the answer expires, and after a failed computation', async () => {
    let now = 0;
    const keep = createAnswerKeeper({ now: () => now, limit: 4 });
    const { calls, compute } = counting({ n: 1 }, { expiresAtMs: 100 });
    await keep('h', '1', compute);
    now = 99;
    await keep('h', '1', compute);
    expect(calls.count).toBe(1);
    now = 100;
    await keep('h', '1', compute);
    expect(calls.count).toBe(2);

    let fail = true;
    const flaky = async () => {
      if (fail) throw new Error('store down');
      return { value: 'ok' };
    };
    await expect(keep('x', '1', flaky)).rejects.toThrow('store down');
    fail = false;
    expect((await keep('x', '1', flaky)).body.toString()).toBe('"ok"');
  });

  it('keeps at most `limit` names, dropping the least recently computed', async () => {
    const keep = createAnswerKeeper({ now: () => 0, limit: 2 });
    const { calls, compute } = counting();
    await keep('a', '1', compute);
    await keep('b', '1', compute);
    await keep('c', '1', compute);
    expect(calls.count).toBe(3);
    await keep('c', '1', compute);
    await keep('b', '1', compute);
    expect(calls.count).toBe(3);
    await keep('a', '1', compute);
    expect(calls.count).toBe(4);
  });

  it('gives a strong ETag over the bytes, and If-None-Match compares weakly', () => {
    const one = jsonAnswer({ a: 1 });
    expect(jsonAnswer({ a: 1 }).etag).toBe(one.etag);
    expect(jsonAnswer({ a: 2 }).etag).not.toBe(one.etag);
    expect(matchesIfNoneMatch(one.etag, one.etag)).toBe(true);
    expect(matchesIfNoneMatch(`W/${one.etag}`, one.etag)).toBe(true);
    expect(matchesIfNoneMatch(`"x", ${one.etag}`, one.etag)).toBe(true);
    expect(matchesIfNoneMatch('*', one.etag)).toBe(true);
    expect(matchesIfNoneMatch('"x"', one.etag)).toBe(false);
    expect(matchesIfNoneMatch(null, one.etag)).toBe(false);
  });
});
