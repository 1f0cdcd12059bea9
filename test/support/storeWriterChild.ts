/**
 * Crash-test writer: `storeWriterChild.ts <dataDir> <round>` writes to a file store until it is killed,
 * printing one line per write only after the store acknowledged it.
 */
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import { updateDocument } from '../../functions/adapters/store/updateDocument.js';
import { formatAck, payloadFor, VERSIONED_TYPE, type VersionedDoc } from '../store/crashWorkload.js';

const WRITERS = 8;
const HOT_DOCUMENTS = ['hot-0', 'hot-1'];

const [dataDir, round] = process.argv.slice(2);
if (!dataDir || !round) throw new Error('usage: storeWriterChild.ts <dataDir> <round>');
// Small, so that kills land in checkpoints and log compactions too, not only in appends.
const store = await openFileStore(dataDir, { checkpointDocuments: 16, logCompactionBytes: 16 * 1024 });

function versioned(pk: string, id: string, version: number): VersionedDoc {
  return { id, pk, type: VERSIONED_TYPE, version, payload: payloadFor(id, version) };
}

async function createFreshDocument(writer: number, sequence: number): Promise<void> {
  const doc = versioned(`partition-${writer % 3}`, `round-${round}-writer-${writer}-${sequence}`, 0);
  await store.create(doc);
  process.stdout.write(formatAck(doc));
}

/** Updates contended by every writer, across rounds, so replaces race and retry. */
async function bumpHotDocument(writer: number): Promise<void> {
  const id = HOT_DOCUMENTS[writer % HOT_DOCUMENTS.length]!;
  const { stored } = await updateDocument<VersionedDoc>(
    store,
    'hot',
    id,
    (current) => versioned('hot', id, (current?.version ?? -1) + 1),
    { maxAttempts: 1000 },
  );
  process.stdout.write(formatAck(stored!.doc));
}

async function write(writer: number): Promise<never> {
  for (let sequence = 0; ; sequence++) {
    await (sequence % 2 === 0 ? createFreshDocument(writer, sequence) : bumpHotDocument(writer));
  }
}

await Promise.all(Array.from({ length: WRITERS }, (_, writer) => write(writer)));
