// The esbuild settings of the two Node bundles (the Azure package, scripts/packageFunctions.mjs, and the local
// server npm start runs, scripts/bundleLocal.mjs): one ES module entry plus chunks that load on first use (every
// dynamic import() becomes its own chunk), minified, so a cold start reads and compiles a few files instead of
// resolving hundreds across node_modules.
import { resolve } from 'node:path';

/** Options for esbuild's build(), less the entry and the output folder. */
export const nodeBundleOptions = {
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
};

/** `--out=<dir>` on the command line (the bench builds elsewhere), or `fallback`. */
export function outDir(fallback) {
  const arg = process.argv.find((a) => a.startsWith('--out='));
  return arg ? resolve(arg.slice('--out='.length)) : fallback;
}

/**
 * What loading the entry loads before any of its code runs: the output files it imports statically, transitively
 * (the dynamic imports are left for first use), and how many KiB of each package they hold, largest first.
 */
export function startupFootprint(metafile) {
  const { outputs } = metafile;
  // Every dynamic import() is an entry point of its own too; the bundle's entry is the one outside chunks/.
  const entry = Object.keys(outputs).find((file) => outputs[file].entryPoint && !file.includes('chunks/'));
  const files = new Set();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (files.has(file)) continue;
    files.add(file);
    for (const i of outputs[file].imports)
      if (i.kind === 'import-statement' && !i.external) pending.push(i.path);
  }
  const bytes = new Map();
  for (const file of files) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[file].inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'the app';
      bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
    }
  }
  const packages = [...bytes].sort((a, b) => b[1] - a[1]);
  const kib = (n) => `${Math.round(n / 1024)} KiB`;
  return {
    chunks: files.size - 1,
    summary: packages.map(([name, n]) => `${name} ${kib(n)}`).join(', '),
    total: kib(packages.reduce((sum, [, n]) => sum + n, 0)),
  };
}
