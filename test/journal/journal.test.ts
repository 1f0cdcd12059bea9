import {
  appendFile,
  copyFile,
  open,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Journal, JournalDamagedError } from '../../functions/adapters/journal/journal.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

interface Assignment {
  key: string;
  value: number;
}

/** A minimal journal owner: a key/value map whose snapshot is one record per key. */
async function openKeyValueJournal(path: string, compactionThresholdBytes = 1 << 20, acceptLoss = false) {
  const state = new Map<string, number>();
  const apply = ({ key, value }: Assignment) => state.set(key, value);
  const journal = await Journal.open<Assignment>(path, {
    compactionThresholdBytes,
    acceptLoss,
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
    const prototype = Object.getPrototypeOf(probe);
    await probe.close();
    const { journal, assign, state } = await openKeyValueJournal(path);
    const datasync = vi.spyOn(prototype, 'datasync');

    await Promise.all(Array.from({ length: 200 }, (_, value) => assign({ key: `k${value}`, value })));
    await journal.close();

    // The first append starts a write on its own; the other 199 wait for it and share the next one.
    expect(datasync).toHaveBeenCalledTimes(2);
    const reopened = await openKeyValueJournal(path);
    await reopened.journal.close();
    expect(reopened.state).toEqual(state);
  });

  it('a written append resolves without any fdatasync; the next synced append covers it', async () => {
    const probe = await open(path, 'a');
    const prototype = Object.getPrototypeOf(probe);
    await probe.close();
    const { journal, state } = await openKeyValueJournal(path);
    const datasync = vi.spyOn(prototype, 'datasync');
    const apply = (record: Assignment) => state.set(record.key, record.value);

    for (let value = 0; value < 20; value++) {
      apply({ key: `w${value}`, value });
      await journal.append({ key: `w${value}`, value }, 'written');
    }
    expect(datasync).not.toHaveBeenCalled();
    // What was written is in the file (a killed process leaves it to the kernel) before any sync.
    expect((await readFile(path, 'utf8')).split('\n').filter((line) => line.includes('"w')).length).toBe(20);

    apply({ key: 's', value: 1 });
    await journal.append({ key: 's', value: 1 });
    expect(datasync).toHaveBeenCalledTimes(1);
    await journal.close();
    const reopened = await openKeyValueJournal(path);
    await reopened.journal.close();
    expect(reopened.state).toEqual(state);
  });

  it('writes while a sync is in progress: a written append does not wait for it, a synced one waits for the next', async () => {
    const probe = await open(path, 'a');
    const prototype = Object.getPrototypeOf(probe);
    await probe.close();
    const { journal } = await openKeyValueJournal(path);
    const realDatasync = prototype.datasync;
    let releaseSync: () => void = () => {};
    const syncs: string[] = [];
    vi.spyOn(prototype, 'datasync').mockImplementation(async function (this: unknown) {
      syncs.push('started');
      await new Promise<void>((resolve) => {
        releaseSync = resolve;
      });
      await realDatasync.call(this);
      syncs.push('done');
    });

    const first = journal.append({ key: 'a', value: 1 });
    while (syncs.length === 0) await new Promise((resolve) => setImmediate(resolve));
    // The first sync is held: a written append is still acknowledged, a synced one is not.
    await journal.append({ key: 'b', value: 2 }, 'written');
    let secondDone = false;
    const second = journal.append({ key: 'c', value: 3 }).then(() => {
      secondDone = true;
    });
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(syncs).toEqual(['started']);
    expect(secondDone).toBe(false);

    releaseSync();
    await first;
    // 'c' was written after the first sync started, so only a second sync may acknowledge it.
    while (syncs.length < 3) await new Promise((resolve) => setImmediate(resolve));
    expect(secondDone).toBe(false);
    releaseSync();
    await second;
    expect(syncs).toEqual(['started', 'done', 'started', 'done']);
    await journal.close();
  });
  /** Writes `count` records, each acknowledged before the next (so each is its own write), and closes. */
  async function writeRecords(count: number): Promise<Map<string, number>> {
    const { journal, assign, state } = await openKeyValueJournal(path);
    for (let value = 0; value < count; value++) await assign({ key: `k${value}`, value });
    await journal.close();
    return state;
  }

  /** Flips one byte of the record `key` (inside its JSON), as a bad sector or a stray write would. */
  async function flipByteOf(key: string): Promise<void> {
    const content = await readFile(path);
    const offset = content.indexOf(`"${key}"`) + 2;
    content[offset] = content[offset]! ^ 0x01;
    await writeFile(path, content);
  }

  const copiesOf = async () => (await readdir(dir.path)).filter((name) => name.includes('.damaged-'));

  it('#4: a torn final write is cut off and reported with the records recovered and the last good offset', async () => {
    const first = await openKeyValueJournal(path);
    await first.assign({ key: 'a', value: 1 });
    await first.assign({ key: 'b', value: 2 });
    await first.journal.close();
    const goodBytes = (await stat(path)).size;
    await appendFile(path, '5f3a01c2 r 999 {"key":"c","val');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});

    const second = await openKeyValueJournal(path);
    expect(second.state).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(
        new RegExp(`${path}: recovered 2 records up to offset ${goodBytes}; cut off 30 bytes`),
      ),
    );
    expect(second.journal.recovery).toEqual({ records: 2, lastGoodOffset: goodBytes, droppedBytes: 30 });
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
    expect(await readFile(path, 'utf8')).not.toContain('"c"');
    expect(await copiesOf()).toEqual([]);
  });

  it('#4: a flipped byte mid-journal refuses to start, naming the file and keeping a copy', async () => {
    await writeRecords(200);
    await flipByteOf('k49');
    const damaged = await readFile(path);

    const opening = openKeyValueJournal(path);
    await expect(opening).rejects.toBeInstanceOf(JournalDamagedError);
    const error = (await opening.catch((e: unknown) => e)) as JournalDamagedError;
    expect(error.message).toContain(`journal ${path} is damaged`);
    expect(error.message).toMatch(/49 records are readable, up to offset \d+/);
    expect(error.recoveredRecords).toBe(49);
    expect(error.copyPath).toMatch(/test\.journal\.damaged-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    expect(error.message).toContain(`A copy is kept at ${error.copyPath}`);
    expect(await readFile(error.copyPath!)).toEqual(damaged);
    // Left as it was, for the operator: a refused start changes nothing.
    expect(await readFile(path)).toEqual(damaged);
    // A start refused again (a supervisor restarting in a loop) reuses that copy instead of adding one.
    await expect(openKeyValueJournal(path)).rejects.toThrow(error.copyPath!);
    expect(await copiesOf()).toEqual([error.copyPath!.slice(dir.path.length + 1)]);
  });

  it('#4: a flipped byte is refused even when the mark of acknowledged bytes is lost: later writes follow it', async () => {
    await writeRecords(20);
    await rm(`${path}.mark`);
    await flipByteOf('k5');
    await expect(openKeyValueJournal(path)).rejects.toThrow(
      /unreadable bytes at offset \d+, followed by records of later writes/,
    );
  });

  it('#4: a journal cut in half refuses to start', async () => {
    await writeRecords(100);
    await truncate(path, Math.floor((await stat(path)).size / 2));
    await expect(openKeyValueJournal(path)).rejects.toThrow(/were acknowledged: it was cut short/);
    expect(await copiesOf()).toHaveLength(1);
  });

  it('#4: a journal cut inside its final write is a torn tail only if that write was never acknowledged', async () => {
    await writeRecords(10);
    const acknowledgedMark = await readFile(`${path}.mark`);
    const { journal, assign } = await openKeyValueJournal(path);
    await Promise.all(Array.from({ length: 3 }, (_, value) => assign({ key: `late${value}`, value })));
    await journal.close();
    // Cut inside the last write: with the mark it was acknowledged, so that is damage...
    await truncate(path, (await stat(path)).size - 5);
    await expect(openKeyValueJournal(path)).rejects.toThrow(/cut short/);
    // ...but when a power cut left the mark behind it, it is what an unfinished write leaves.
    await writeFile(`${path}.mark`, acknowledgedMark);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const reopened = await openKeyValueJournal(path);
    await reopened.journal.close();
    expect(reopened.state.size).toBeGreaterThanOrEqual(10);
  });

  it('#4: zeros inside an unfinished final write are a torn tail, even with intact records of that write after them', async () => {
    await writeRecords(5);
    const acknowledgedMark = await readFile(`${path}.mark`);
    const before = (await stat(path)).size;
    const { journal, assign } = await openKeyValueJournal(path);
    await assign({ key: 'x', value: 1 });
    await Promise.all(Array.from({ length: 4 }, (_, value) => assign({ key: `y${value}`, value })));
    await journal.close();
    // y0 goes alone into a write; y1 to y3 share the next, the last one, which reached the disk with its
    // first page missing: zeros where y1 was.
    const content = await readFile(path);
    const y1 = content.indexOf('"y1"');
    content.fill(0, content.lastIndexOf(0x0a, y1) + 1, content.indexOf(0x0a, y1));
    await writeFile(path, content);
    await writeFile(`${path}.mark`, acknowledgedMark);
    vi.spyOn(console, 'warn').mockImplementation(() => {});

    const reopened = await openKeyValueJournal(path);
    await reopened.journal.close();
    expect([...reopened.state.keys()]).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'x', 'y0']);
    expect((await stat(path)).size).toBeGreaterThan(before);
  });

  it('#4: a deleted journal refuses to start when its mark shows that it existed', async () => {
    await writeRecords(3);
    await rm(path);
    const opening = openKeyValueJournal(path);
    await expect(opening).rejects.toThrow(
      new RegExp(`journal ${path} is damaged: it is missing, but .*mark shows that it existed`),
    );
    await expect(opening).rejects.toThrow(/There is no file to copy/);
  });

  it('#4: accepting the loss starts with every record that can still be read, and leaves a clean journal', async () => {
    const written = await writeRecords(200);
    await flipByteOf('k49');
    vi.spyOn(console, 'warn').mockImplementation(() => {});

    const accepted = await openKeyValueJournal(path, 1 << 20, true);
    await accepted.journal.close();
    written.delete('k49');
    expect(accepted.state).toEqual(written);
    expect(await copiesOf()).toHaveLength(1);
    const reopened = await openKeyValueJournal(path);
    await reopened.journal.close();
    expect(reopened.state).toEqual(written);
  });

  it('#4: accepting the loss of a deleted journal starts an empty one that later starts trust', async () => {
    await writeRecords(3);
    await rm(path);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const accepted = await openKeyValueJournal(path, 1 << 20, true);
    await accepted.assign({ key: 'new', value: 1 });
    await accepted.journal.close();
    const reopened = await openKeyValueJournal(path);
    await reopened.journal.close();
    expect(reopened.state).toEqual(new Map([['new', 1]]));
  });

  it('#4: reads a journal written before checksums existed, and appends to it', async () => {
    await writeFile(path, '{"key":"a","value":1}\n{"key":"b","value":2}\n');
    const first = await openKeyValueJournal(path);
    await first.assign({ key: 'c', value: 3 });
    await first.journal.close();
    const second = await openKeyValueJournal(path);
    await second.journal.close();
    expect(second.state).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ]),
    );
  });

  it('#4: a fresh journal (no file, no mark) starts empty without a warning', async () => {
    const warn = vi.spyOn(console, 'warn');
    const { journal, state } = await openKeyValueJournal(path);
    await journal.close();
    expect(state.size).toBe(0);
    expect(warn).not.toHaveBeenCalled();
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

  it('serialises a large snapshot in slices, letting other work run, and keeps what is appended meanwhile', async () => {
    const filled = await openKeyValueJournal(path);
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 300 }, (_, i) => filled.assign({ key: `k${batch}-${i}`, value: i })),
      );
    }
    await filled.journal.close();
    const state = new Map<string, number>();
    let serialised = 0;
    const journal = await Journal.open<Assignment>(path, {
      compactionThresholdBytes: 64 * 1024,
      replay: ({ key, value }) => state.set(key, value),
      // Counts each record as the compaction serialises it.
      snapshot: () =>
        [...state].map(([key, value]) => ({
          key,
          value,
          toJSON: () => {
            serialised++;
            return { key, value };
          },
        })),
    });
    const assign = (record: Assignment) => {
      state.set(record.key, record.value);
      return journal.append(record);
    };
    // 3,000 keys replayed, the file past the threshold: the next write is a compaction of them all.
    const compaction = assign({ key: 'k0-0', value: -1 });
    const serialisedAtOnce = serialised;
    // Changes while the snapshot is written: an overwrite and a new key, in the next batch.
    const during = [assign({ key: 'k0-1', value: -2 }), assign({ key: 'new', value: 7 })];
    await Promise.all([compaction, ...during]);
    expect(serialisedAtOnce).toBeGreaterThan(0);
    expect(serialisedAtOnce).toBeLessThan(3000);
    expect(serialised).toBe(3000);
    await journal.close();

    const reopened = await openKeyValueJournal(path, 64 * 1024);
    await reopened.journal.close();
    expect(reopened.state).toEqual(state);
    expect([reopened.state.get('k0-0'), reopened.state.get('k0-1'), reopened.state.get('new')]).toEqual([
      -1, -2, 7,
    ]);
    expect(reopened.state.size).toBe(3001);
  });

  it('#4: a compacted journal survives the loss of its mark, and a crash between compaction and mark', async () => {
    const { journal, assign, state } = await openKeyValueJournal(path, 1024);
    const staleMark = `${dir.path}/stale.mark`;
    await assign({ key: 'first', value: 0 });
    await copyFile(`${path}.mark`, staleMark);
    for (let value = 0; value < 200; value++) await assign({ key: `k${value % 7}`, value });
    await journal.close();
    // The mark still names the generation before the compactions: the journal is newer, not damaged.
    await copyFile(staleMark, `${path}.mark`);
    await rm(staleMark);
    const reopened = await openKeyValueJournal(path, 1024);
    await reopened.journal.close();
    expect(reopened.state).toEqual(state);
  });
});
