import { constants } from 'node:fs';
import { copyFile, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { JournalScan } from './journalFormat.js';
import { type MarkReading, markPath } from './journalMark.js';

/**
 * What a start does with the journal it finds. The only loss it accepts silently is an unfinished last write
 * (never acknowledged, so never answered 200); anything else that is missing or unreadable was acknowledged,
 * and the start is refused with a copy kept, unless the operator accepts the loss.
 */
export class JournalDamagedError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    /** Records readable before the damage. */
    readonly recoveredRecords: number,
    /** End of the last intact record before the damage. */
    readonly lastGoodOffset: number,
    readonly sizeBytes: number | undefined,
    /** Where the damaged journal was copied to; undefined when there was no file to copy. */
    readonly copyPath: string | undefined,
  ) {
    super(
      `journal ${path} is damaged: ${reason}. ` +
        (sizeBytes === undefined
          ? 'There is no file to copy. '
          : `${recoveredRecords} records are readable, up to offset ${lastGoodOffset} of ${sizeBytes} bytes. ` +
            `A copy is kept at ${copyPath}; the journal itself is left as it is. `) +
        'Nothing was started.',
    );
    this.name = 'JournalDamagedError';
  }
}

/**
 * Why the journal (its content, or undefined when there is no file) cannot be trusted, or undefined when it
 * can: intact, or intact but for an unfinished last write.
 */
export function damageOf(
  path: string,
  content: Buffer | undefined,
  scan: JournalScan,
  reading: MarkReading,
): string | undefined {
  if (content === undefined) {
    return reading.state === 'absent'
      ? undefined
      : `it is missing, but ${markPath(path)} shows that it existed`;
  }
  // A journal of a newer generation than the mark was compacted just before a crash left the mark behind.
  if (reading.state === 'present' && scan.generation <= reading.mark.generation) {
    const { generation, durableBytes } = reading.mark;
    if (content.length < durableBytes) {
      return `it has ${content.length} bytes, but ${durableBytes} were acknowledged: it was cut short`;
    }
    if (scan.damage && scan.validBytes < durableBytes) {
      return `unreadable bytes at offset ${scan.validBytes}, inside the ${durableBytes} bytes that were acknowledged`;
    }
    if (scan.generation < generation) {
      return `it is an older journal (generation ${scan.generation}) than the one last written here (generation ${generation})`;
    }
  }
  if (scan.damage?.laterWrite) {
    return `unreadable bytes at offset ${scan.validBytes}, followed by records of later writes`;
  }
  return undefined;
}

/**
 * Copies the damaged journal next to it before anything else touches it. A copy of the same bytes made by an
 * earlier refused start is reused, so a supervisor restarting the service in a loop cannot fill the disk.
 */
export async function keepCopy(path: string, content: Buffer, now = new Date()): Promise<string> {
  const prefix = `${basename(path)}.damaged-`;
  for (const name of (await readdir(dirname(path))).filter((entry) => entry.startsWith(prefix)).sort()) {
    const existing = join(dirname(path), name);
    if ((await readFile(existing)).equals(content)) return existing;
  }
  const copyPath = `${path}.damaged-${now.toISOString().replace(/[:.]/g, '-')}`;
  await copyFile(path, copyPath, constants.COPYFILE_EXCL);
  return copyPath;
}
