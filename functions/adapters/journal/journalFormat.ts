import * as zlib from 'node:zlib';

/**
 * The journal's lines. Each one carries a CRC-32 of the rest of the line, so a damaged line is never read as
 * a record, and records carry the offset at which the write that carried them began (their batch), which
 * tells an unfinished last write from damage to an earlier one:
 *
 *   `<crc32 hex> h <generation>`                     header, first line of a journal created or compacted
 *   `<crc32 hex> r <batch start offset> <record JSON>` record
 *   `{...}`                                          record written before checksums existed (read only)
 */

export type JournalLine =
  | { kind: 'header'; generation: number }
  /** batchStart is undefined for a record in the old format, which did not say. */
  | { kind: 'record'; record: unknown; batchStart: number | undefined };

/** Serialises a record; throws (before anything is written) when it cannot be. */
export function recordJson(record: unknown): string {
  const json = JSON.stringify(record);
  if (typeof json !== 'string' || !json.startsWith('{'))
    throw new TypeError('a journal record must be an object');
  return json;
}

export function recordLine(json: string, batchStart: number): string {
  return sealed(`r ${batchStart} ${json}`);
}

export function headerLine(generation: number): string {
  return sealed(`h ${generation}`);
}

function sealed(payload: string): string {
  return `${checksumOf(Buffer.from(payload, 'utf8'))} ${payload}\n`;
}

/** Parses one line (without its newline); undefined when it is not a whole, intact line. */
export function parseLine(bytes: Buffer): JournalLine | undefined {
  if (bytes[0] === 0x7b) return parseLegacyRecord(bytes);
  if (bytes.length < 11 || bytes[8] !== 0x20) return undefined;
  const payload = bytes.subarray(9);
  if (bytes.subarray(0, 8).toString('latin1') !== checksumOf(payload)) return undefined;
  const text = payload.toString('utf8');
  if (text.startsWith('h ')) {
    const generation = Number(text.slice(2));
    return Number.isSafeInteger(generation) && generation >= 0 ? { kind: 'header', generation } : undefined;
  }
  const match = /^r (\d+) /.exec(text);
  if (!match) return undefined;
  const record = parseObject(text.slice(match[0].length));
  return record === undefined ? undefined : { kind: 'record', record, batchStart: Number(match[1]) };
}

function parseLegacyRecord(bytes: Buffer): JournalLine | undefined {
  const record = parseObject(bytes.toString('utf8'));
  return record === undefined ? undefined : { kind: 'record', record, batchStart: undefined };
}

function parseObject(json: string): object | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function checksumOf(bytes: Uint8Array): string {
  return crc32(bytes).toString(16).padStart(8, '0');
}

/** zlib.crc32 exists from Node 20.15; the table version is for older Node 20 releases. */
const crc32: (bytes: Uint8Array) => number =
  (zlib as { crc32?: (data: Uint8Array) => number }).crc32 ?? tableCrc32;

let crcTable: Uint32Array | undefined;

export function tableCrc32(bytes: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export interface ScannedRecord {
  record: unknown;
  /** Offset just past the record's line. */
  end: number;
}

export interface JournalScan {
  /** From the header; 0 for a journal without one (written before headers existed). */
  generation: number;
  /** The intact records before anything unreadable, in order. */
  records: ScannedRecord[];
  /** End of the last intact line before anything unreadable: what can be kept. */
  validBytes: number;
  /** Present when something unreadable follows validBytes. */
  damage?: {
    /** Intact records after the unreadable bytes (kept only when the loss is accepted). */
    laterRecords: ScannedRecord[];
    /**
     * Whether an intact record after the unreadable bytes came from a later write than the one they belong
     * to: that write began only once the damaged one had been synced, so the damage was to acknowledged data.
     * An old-format record says nothing of its write and counts as later, to be safe.
     */
    laterWrite: boolean;
  };
}

export function scanJournal(content: Buffer): JournalScan {
  let generation = 0;
  const records: ScannedRecord[] = [];
  let offset = 0;
  for (;;) {
    const newline = content.indexOf(0x0a, offset);
    if (newline === -1) break;
    const line = parseLine(content.subarray(offset, newline));
    if (!line || (line.kind === 'header' && offset !== 0)) break;
    if (line.kind === 'header') generation = line.generation;
    else records.push({ record: line.record, end: newline + 1 });
    offset = newline + 1;
  }
  if (offset === content.length) return { generation, records, validBytes: offset };
  const laterRecords: ScannedRecord[] = [];
  let laterWrite = false;
  // The first unreadable line ends at the next newline (unless a damaged newline merged it with the next).
  for (
    let start = offset, end = content.indexOf(0x0a, start);
    end !== -1;
    end = content.indexOf(0x0a, start)
  ) {
    const line = start === offset ? undefined : parseLine(content.subarray(start, end));
    if (line?.kind === 'record') {
      laterRecords.push({ record: line.record, end: end + 1 });
      if (line.batchStart === undefined || line.batchStart > offset) laterWrite = true;
    }
    start = end + 1;
  }
  return { generation, records, validBytes: offset, damage: { laterRecords, laterWrite } };
}
