import type { Doc } from '../../functions/adapters/store/store.js';

/** What the crash-test writer child writes, and how it reports each acknowledged write. */
export interface VersionedDoc extends Doc {
  version: number;
  payload: string;
}

export const VERSIONED_TYPE = 'versioned';

/**
 * Large (about 40 KB) and fully determined by id and version, so a torn or mixed-up file cannot pass for
 * the acknowledged content.
 */
export function payloadFor(id: string, version: number): string {
  return `${id}@${version}:${'배움의 기록 TIL '.repeat(2000)}:${version}@${id}`;
}

export interface Ack {
  pk: string;
  id: string;
  version: number;
}

export function formatAck({ pk, id, version }: Ack): string {
  return `${JSON.stringify({ pk, id, version })}\n`;
}

export function parseAck(line: string): Ack {
  return JSON.parse(line) as Ack;
}
