import { describe, expect, it } from 'vitest';
import { NodeHeaders } from '../../functions/local/nodeHeaders.js';

// What Node's parser hands over: names lower-cased, set-cookie kept as a list.
const raw = () => ({
  host: '127.0.0.1',
  'x-slack-signature': 'v0=abc',
  'set-cookie': ['a=1', 'b=2'],
  accept: 'text/plain, application/json',
});

describe('NodeHeaders (a request’s headers over what Node parsed)', () => {
  it('reads names in any case, as fetch Headers does, and null for an absent one', () => {
    const headers = new NodeHeaders(raw());
    expect(headers.get('X-Slack-Signature')).toBe('v0=abc');
    expect(headers.has('HOST')).toBe(true);
    expect(headers.get('x-slack-retry-num')).toBeNull();
    expect(headers.has('x-slack-retry-num')).toBe(false);
  });

  it('answers every other method as the real Headers built from the same values', () => {
    const headers = new NodeHeaders(raw());
    const real = new Headers();
    for (const [name, value] of Object.entries(raw())) real.append(name, [value].flat().join(', '));
    expect([...headers]).toEqual([...real]);
    expect([...headers.keys()]).toEqual([...real.keys()]);
    expect([...headers.values()]).toEqual([...real.values()]);
    expect(headers.get('set-cookie')).toBe(real.get('set-cookie'));
    const seen: string[] = [];
    headers.forEach((value, name, parent) => {
      expect(parent).toBe(headers);
      seen.push(`${name}=${value}`);
    });
    expect(seen).toEqual([...real].map(([name, value]) => `${name}=${value}`));
  });

  it('sees a change made through any method from then on', () => {
    const headers = new NodeHeaders(raw());
    headers.set('X-Slack-Signature', 'v0=def');
    headers.append('x-extra', '1');
    headers.delete('accept');
    expect(headers.get('x-slack-signature')).toBe('v0=def');
    expect(headers.get('X-Extra')).toBe('1');
    expect(headers.has('accept')).toBe(false);
    // A fetch Request takes them as a Headers init.
    expect(new Request('http://x/', { headers }).headers.get('x-extra')).toBe('1');
  });
});
