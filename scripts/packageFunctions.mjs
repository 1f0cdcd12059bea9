// `npm run package`: the Functions app as Flex Consumption deploys it, in dist/functionapp/: the Azure entry
// bundled by esbuild (one entry file plus chunks that load on first use, so a cold start resolves a handful of
// files, not node_modules), host.json, and a package.json with no dependencies, so nothing needs installing.
import { copyFile, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'functionapp');
const rootPackage = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

await rm(out, { recursive: true, force: true });
const result = await build({
  entryPoints: { index: join(root, 'functions', 'index.ts') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  metafile: true,
  // Provided by the Functions worker, not by npm: the entry detects the host by requiring it.
  external: ['@azure/functions-core'],
  // CommonJS dependencies call require() and read __dirname inside an ES module bundle.
  banner: {
    js: [
      "import { createRequire as __tilCreateRequire } from 'node:module';",
      "import { fileURLToPath as __tilFileURLToPath } from 'node:url';",
      "import { dirname as __tilDirname } from 'node:path';",
      'const require = __tilCreateRequire(import.meta.url);',
      'const __filename = __tilFileURLToPath(import.meta.url);',
      'const __dirname = __tilDirname(__filename);',
    ].join('\n'),
  },
  logLevel: 'warning',
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

// What the entry imports at start-up, and the size of everything deployed.
const entryImports = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.imports ?? [];
const staticChunks = entryImports.filter((i) => i.kind === 'import-statement' && !i.external).length;
let files = 0;
let bytes = 0;
for (const entry of await readdir(out, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.map')) continue;
  files += 1;
  bytes += (await stat(join(entry.parentPath, entry.name))).size;
}
console.log(
  `functions package: dist/functionapp/ ${files} files, ${(bytes / 1024).toFixed(0)} KiB (source maps aside); ` +
    `the entry loads ${staticChunks} chunk(s) at start-up, the rest on first use`,
);
