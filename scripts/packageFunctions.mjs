// `npm run package`: the Functions app as Flex Consumption deploys it, in dist/functionapp/: the Azure entry
// bundled by esbuild (one entry file plus chunks that load on first use, so a cold start resolves a handful of
// files, not node_modules), host.json, and a package.json with no dependencies, so nothing needs installing.
import { copyFile, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { nodeBundleOptions, outDir, startupFootprint } from './nodeBundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = outDir(join(root, 'dist', 'functionapp'));
const rootPackage = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

await rm(out, { recursive: true, force: true });
const result = await build({
  ...nodeBundleOptions,
  entryPoints: { index: join(root, 'functions', 'index.ts') },
  outdir: out,
});

await copyFile(join(root, 'host.json'), join(out, 'host.json'));
// The start-up self-check compares the token's scopes with the manifest's (functions/slack/appManifest.ts).
await copyFile(join(root, 'slack-app-manifest.yaml'), join(out, 'slack-app-manifest.yaml'));
await writeFile(
  join(out, 'package.json'),
  `${JSON.stringify(
    {
      name: `${rootPackage.name}-functionapp`,
      version: rootPackage.version,
      private: true,
      description:
        'Built by npm run package: deploy this folder (azd does). Self-contained: no dependencies.',
      type: 'module',
      main: 'index.js',
      engines: rootPackage.engines,
    },
    null,
    2,
  )}\n`,
);
await writeFile(join(out, '.funcignore'), '*.map\n*.LEGAL.txt\n');

// What the entry loads at start-up, and the size of everything deployed.
const startup = startupFootprint(result.metafile);
let files = 0;
let bytes = 0;
for (const entry of await readdir(out, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.map')) continue;
  files += 1;
  bytes += (await stat(join(entry.parentPath, entry.name))).size;
}
console.log(
  `functions package: dist/functionapp/ ${files} files, ${(bytes / 1024).toFixed(0)} KiB (source maps aside); ` +
    `the entry loads ${startup.chunks} chunk(s) at start-up, ${startup.total} (${startup.summary}), the rest on first use`,
);
