import azureFunctions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, readBodyWithLimit } from '../../functions/handlers/readBody.js';
import { localHttpRequest } from '../../functions/local/localRequest.js';

const { HttpRequest } = azureFunctions;

const build = (method: string, body: string, path = '/api/slack/events?month=2026-11&x=1') =>
  localHttpRequest({
    method,
    url: new URL(path, 'http://localhost:7071'),
    headers: new Headers({ 'content-type': 'application/json', 'x-slack-signature': 'v0=abc' }),
    bytes: Buffer.from(body, 'utf8'),
  });

describe('the local server’s HttpRequest (body read before the handler runs)', () => {
  it('answers as the Functions HttpRequest does: method, URL, query, headers, params, user', () => {
    const principal = Buffer.from(
      JSON.stringify({
        identityProvider: 'github',
        userId: 'u1',
        userDetails: 'kim',
        userRoles: ['anonymous'],
      }),
    ).toString('base64');
    const url = 'http://localhost:7071/api/slack/events?month=2026-11&x=1&x=2';
    const headers = { 'x-slack-signature': 'v0=abc', 'x-ms-client-principal': principal };
    const local = localHttpRequest({
      method: 'POST',
      url: new URL(url),
      headers: new Headers(headers),
      bytes: Buffer.from('{}'),
    });
    const host = new HttpRequest({ method: 'POST', url, headers, body: { string: '{}' } });
    expect(local.method).toBe(host.method);
    expect(local.url).toBe(host.url);
    expect([...local.query]).toEqual([...host.query]);
    expect(local.query.getAll('x')).toEqual(['1', '2']);
    expect(local.headers.get('X-Slack-Signature')).toBe('v0=abc');
    expect(local.params).toEqual(host.params);
    expect(local.user).toEqual(host.user);
    expect(local.user?.username).toBe('kim');
    expect(local.bodyUsed).toBe(false);
  });

  it('hands readBodyWithLimit the bytes it read, within the same limit', async () => {
    const body = '{"type":"event_callback","text":"한글"}';
    expect((await readBodyWithLimit(build('POST', body))).toString('utf8')).toBe(body);
    await expect(readBodyWithLimit(build('POST', 'x'.repeat(11)), 10)).rejects.toThrow(BodyTooLargeError);
  });

  it('reads the same body through text(), json(), arrayBuffer() and the stream, as a host request does', async () => {
    const body = '{"a":[1,2],"b":"한글"}';
    expect(await build('POST', body).text()).toBe(body);
    expect(await build('POST', body).json()).toEqual({ a: [1, 2], b: '한글' });
    expect(Buffer.from(await build('POST', body).arrayBuffer()).toString('utf8')).toBe(body);
    expect(
      (
        await readBodyWithLimit(new HttpRequest({ method: 'POST', url: 'http://x/', body: { string: body } }))
      ).toString(),
    ).toBe(body);
    const viaStream = build('POST', body);
    const chunks: Uint8Array[] = [];
    for await (const chunk of viaStream.body!) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(body);
    expect(viaStream.bodyUsed).toBe(true);
    const form = await build('POST', 'a=1&b=%ED%95%9C').clone().text();
    expect(new URLSearchParams(form).get('b')).toBe('한');
  });

  it('a GET has no body, as the host’s has none', async () => {
    const request = build('GET', '', '/api/stats?month=2026-11');
    expect(request.body).toBeNull();
    expect(request.query.get('month')).toBe('2026-11');
  });
});
