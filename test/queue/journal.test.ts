import { appendFile, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Journal } from '../../functions/adapters/queue/journal.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

interface Assignment {
  key: string;
  value: number;
}

/** A minimal journal owner: a key/value map whose snapshot is one record per key. */
async function openKeyValueJournal(path: string, compactionThresholdBytes = 1 << 20) {
  const state = new Map<string, number>();
  const apply = ({ key, value }: Assignment) => state.set(key, value);
  const journal = await Journal.open<Assignment>(path, {
    compactionThresholdBytes,
    replay: apply,
    snapshot: () => [...state].map(([key, value]) => ({ key, value })),
  });
  const assign = (record: Assignment) => {
    apply(record);
    return journal.append(record);
  };
  return { state, journal, assign };
}

describe('Journal', () => {
  let dir: TempDir;
  let path: string;
  beforeEach(async () => {
    dir = await makeTempDir('journal');
    path = join(dir.path, 'test.journal');
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await dir.remove();
  });

  it('replays every acknowledged record, in order, after reopening', async () => {
    const first = await openKeyValueJournal(path);
    for (let value = 0; value < 5; value++) await first.assign({ key: `k${value % 2}`, value });
    await first.journal.close();

    const replayed: Assignment[] = [];
    const journal = await Journal.open<Assignment>(path, {
      compactionThresholdBytes: 1 << 20,
      replay: (record) => replayed.push(record),
      snapshot: () => [],
    });
    await journal.close();
    expect(replayed.map(({ value }) => value)).toEqual([0, 1, 2, 3, 4]);
  });

  it('groups appends that arrive during a write into one write and fdatasync', async () => {
    const probe = await open(path, 'a');
    const datasync = vi.spyOn(Object.getPrototypeOf(probe), 'datasync');
    await probe.close();
    const { journal, assign, state } = await openKeyValueJournal(path);

    await Promise.all(Array.from({ length: 200 }, (_, value) => assign({ key: `k${value}`, value })));
    await journal.close();

    // The first append starts a write on its own; the other 199 wait for it and share the next one.
    expect(datasync).toHaveBeenCalledTimes(2);
    const reopened = await openKeyValueJournal(path);
    await reopened.journal.close();
    expect(reopened.state).toEqual(state);
  });

  it('cuts off a torn last line and keeps appending after the last complete record', async () => {
    const first = await openKeyValueJournal(path);
    await first.assign({ key: 'a', value: 1 });
    await first.assign({ key: 'b', value: 2 });
    await first.journal.close();
    await appendFile(path, '{"key":"c","val');

    const second = await openKeyValueJournal(path);
    expect(second.state).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    await second.assign({ key: 'd', value: 4 });
    await second.journal.close();

    const third = await openKeyValueJournal(path);
    await third.journal.close();
    expect(third.state).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
        ['d', 4],
      ]),
    );
    expect(await readFile(path, 'utf8')).not.toContain('val\n');
  });

  it('drops everything from the first unreadable line, as a write that never completed', async () => {
    const first = await openKeyValueJournal(path);
    await first.assign({ key: 'a', value: 1 });
    await first.journal.close();
    await appendFile(path, Buffer.concat([Buffer.alloc(64), Buffer.from('\n{"key":"b","value":2}\n')]));

    const second = await openKeyValueJournal(path);
    await second.journal.close();
    expect(second.state).toEqual(new Map([['a', 1]]));
  });

  it('compacts into a snapshot so the file stays bounded, losing nothing', async () => {
    const thresholdBytes = 2048;
    const { journal, assign, state } = await openKeyValueJournal(path, thresholdBytes);
    let largest = 0;
    for (let round = 0; round < 50; round++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, key) => assign({ key: `k${key}`, value: round * 100 + key })),
      );
      largest = Math.max(largest, (await stat(path)).size);
    }
    await journal.close();

    expect(largest).toBeLessThan(2 * thresholdBytes);
    const reopened = await openKeyValueJournal(path, thresholdBytes);
    await reopened.journal.close();
    expect(reopened.state).toEqual(state);
  });
});
