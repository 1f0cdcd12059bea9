// Part of `npm run build:functions`: the local server (functions/local/main.ts) bundled by esbuild over the
// file tsc emitted, so `npm start` (and `node dist/functions/local/main.js`) loads one file plus the chunks it
// needs to answer its first event, instead of some 200 modules (zod's alone are ~100): Socket Mode, the Web API,
// the Cosmos DB and identity SDKs and the manifest's YAML parser are chunks loaded on first use.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { nodeBundleOptions, outDir, startupFootprint } from './nodeBundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = outDir(join(root, 'dist', 'functions', 'local'));

// Chunks carry a hash in their names: without this, every build would leave the last one's behind.
await rm(join(out, 'chunks'), { recursive: true, force: true });
const result = await build({
  ...nodeBundleOptions,
  entryPoints: { main: join(root, 'functions', 'local', 'main.ts') },
  outdir: out,
});

const startup = startupFootprint(result.metafile);
console.log(
  `local server: ${join(out, 'main.js')} loads ${startup.chunks} chunk(s) at start-up, ${startup.total}: ${startup.summary}`,
);
