/**
 * What the bench runs, built from the working tree into bench/.build/ (never dist/, which the tests use):
 * the functions compiled by tsc as `npm run build:functions` does (what `npm start` runs), and the Azure package
 * built by scripts/packageFunctions.mjs itself, pointed at another output folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const buildDir = join(repoRoot, 'bench', '.build');

export interface Builds {
  /** `node <productMain>` is `npm start` without the build. */
  productMain: string;
  /** The bundled Azure entry's folder (index.js, chunks/), or undefined when it could not be built. */
  functionApp?: string;
  notes: string[];
}

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', timeout: 180_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

export async function buildAll(log: (line: string) => void): Promise<Builds> {
  const notes: string[] = [];
  await mkdir(buildDir, { recursive: true });

  const outDir = join(buildDir, 'dist');
  await rm(outDir, { recursive: true, force: true });
  const tsc = run(process.execPath, [
    join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.build.json',
    '--outDir',
    outDir,
  ]);
  const productMain = join(outDir, 'functions', 'local', 'main.js');
  // tsc emits despite type errors (someone's work in progress); only a missing output is fatal.
  if (!existsSync(productMain)) {
    throw new Error(`tsc produced no ${productMain}:\n${tsc.output.slice(0, 2000)}`);
  }
  if (!tsc.ok) notes.push('tsc reported type errors while building the functions (emitted anyway).');
  log('built the functions (tsc) into bench/.build/dist');

  const functionApp = join(buildDir, 'functionapp');
  const script = await readFile(join(repoRoot, 'scripts', 'packageFunctions.mjs'), 'utf8');
  const rootLine = /^const root = .*$/m;
  const outLine = /^const out = .*$/m;
  if (!rootLine.test(script) || !outLine.test(script)) {
    notes.push(
      'scripts/packageFunctions.mjs changed shape: the Azure entry was not built (its figures are missing).',
    );
    return { productMain, notes };
  }
  const patched = script
    .replace(rootLine, `const root = ${JSON.stringify(repoRoot)};`)
    .replace(outLine, `const out = ${JSON.stringify(functionApp)};`);
  const patchedPath = join(buildDir, 'packageFunctions.mjs');
  await writeFile(patchedPath, patched);
  const pack = run(process.execPath, [patchedPath]);
  if (!pack.ok || !existsSync(join(functionApp, 'index.js'))) {
    notes.push(`npm run package's script failed in bench/.build: ${pack.output.slice(0, 300)}`);
    return { productMain, notes };
  }
  log('built the Azure package (scripts/packageFunctions.mjs) into bench/.build/functionapp');
  return { productMain, functionApp, notes };
}
