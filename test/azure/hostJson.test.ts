import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const host = JSON.parse(await readFile(fileURLToPath(new URL('../../host.json', import.meta.url)), 'utf8'));
const seconds = (span: string) => {
  const match = /^(\d+):(\d{2}):(\d{2})$/.exec(span);
  if (!match) throw new Error(`not a hh:mm:ss span: ${span}`);
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
};

describe('host.json', () => {
  const serviceBus = host.extensions.serviceBus;

  it('renews a message lock for as long as a handler may run, so a long adoption is not redelivered midway', () => {
    // An adoption posts a broadcast per reply under Slack's rate limits; the function timeout bounds it, and the
    // lock must outlive the function, or Service Bus hands the message (and its posts) to another instance.
    expect(seconds(serviceBus.maxAutoLockRenewalDuration)).toBeGreaterThanOrEqual(
      seconds(host.functionTimeout),
    );
    expect(seconds(host.functionTimeout)).toBeGreaterThanOrEqual(10 * 60);
  });

  it('processes one message at a time per session (the order guarantee) and completes on success', () => {
    expect(serviceBus.maxConcurrentCallsPerSession).toBe(1);
    expect(serviceBus.autoCompleteMessages).toBe(true);
    expect(host.extensions.serviceBus.dynamicConcurrencyEnabled).toBeUndefined();
    expect(host.concurrency?.dynamicConcurrencyEnabled).not.toBe(true);
  });

  it('uses extension bundle 4, which has the Service Bus session trigger', () => {
    expect(host.extensionBundle).toEqual({
      id: 'Microsoft.Azure.Functions.ExtensionBundle',
      version: '[4.*, 5.0.0)',
    });
  });
});
