/**
 * What the bench runs, built into bench/.build/ (never dist/, which the tests use). By default from the last
 * commit (`git archive HEAD`: functions/, scripts/, test/support/ and the configs), so other people's work in
 * progress in the checkout cannot break a run; `--worktree` builds the working tree instead (to measure a change
 * before committing it). The functions are built as `npm run build:functions` builds them (tsc, then the local
 * entry bundled by scripts/bundleLocal.mjs: what `npm start` runs) and the Azure package by
 * scripts/packageFunctions.mjs itself, both pointed elsewhere with `--out=`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const buildDir = join(repoRoot, 'bench', '.build');

export interface Builds {
  /** What was built: `HEAD <sha>` or `working tree`. */
  source: string;
  /** The tree the build came from (the snapshot, or the repository itself). */
  sourceRoot: string;
  /** The compiled functions: `<distDir>/functions/…`. */
  distDir: string;
  /** `node <productMain>` is `npm start` without the build. */
  productMain: string;
  /** The bundled Azure entry's folder (index.js, chunks/), or undefined when it could not be built. */
  functionApp?: string;
  notes: string[];
}

const SNAPSHOT_PATHS = [
  'functions',
  'scripts',
  'test/support',
  'host.json',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  // The self-check reads the scopes from it at run time, and the package copies it.
  'slack-app-manifest.yaml',
];

function run(command: string, args: string[], cwd = repoRoot): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 180_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

/** HEAD's files into `dir` (node_modules resolve from the repository above it). */
async function snapshotHead(dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: repoRoot,
    encoding: 'utf8',
  }).trim();
  const present = SNAPSHOT_PATHS.filter(
    (path) => spawnSync('git', ['cat-file', '-e', `HEAD:${path}`], { cwd: repoRoot }).status === 0,
  );
  const tar = execFileSync('git', ['archive', '--format=tar', 'HEAD', ...present], {
    cwd: repoRoot,
    maxBuffer: 512 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  return sha;
}

export async function buildAll(log: (line: string) => void, options: { worktree: boolean }): Promise<Builds> {
  const notes: string[] = [];
  await mkdir(buildDir, { recursive: true });
  let sourceRoot = repoRoot;
  let source = 'working tree';
  if (!options.worktree) {
    sourceRoot = join(buildDir, 'src');
    source = `HEAD ${await snapshotHead(sourceRoot)}`;
  }

  const distDir = join(buildDir, 'dist');
  await rm(distDir, { recursive: true, force: true });
  const tsc = run(process.execPath, [
    join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    join(sourceRoot, 'tsconfig.build.json'),
    '--outDir',
    distDir,
  ]);
  const productMain = join(distDir, 'functions', 'local', 'main.js');
  // tsc emits despite type errors; only a missing output is fatal.
  if (!existsSync(productMain)) {
    throw new Error(`tsc produced no ${productMain}:\n${tsc.output.slice(0, 2000)}`);
  }
  if (!tsc.ok)
    notes.push(`tsc reported type errors building the functions of the ${source} (emitted anyway).`);
  // `npm run build:functions` then bundles the local entry over tsc's main.js (what npm start runs).
  const bundleLocal = join(sourceRoot, 'scripts', 'bundleLocal.mjs');
  if (existsSync(bundleLocal)) {
    const bundled = run(process.execPath, [bundleLocal, `--out=${join(distDir, 'functions', 'local')}`]);
    if (!bundled.ok) throw new Error(`scripts/bundleLocal.mjs failed:\n${bundled.output.slice(0, 2000)}`);
  }
  log(`bench: built the functions of the ${source} (tsc, then the local bundle) into bench/.build/dist`);

  const functionApp = join(buildDir, 'functionapp');
  const result = { source, sourceRoot, distDir, productMain, notes };
  // The package script itself, from the measured tree, writing elsewhere than dist/.
  const pack = run(process.execPath, [
    join(sourceRoot, 'scripts', 'packageFunctions.mjs'),
    `--out=${functionApp}`,
  ]);
  if (!pack.ok || !existsSync(join(functionApp, 'index.js'))) {
    notes.push(`npm run package's script failed in bench/.build: ${pack.output.slice(0, 300)}`);
    return result;
  }
  log('bench: built the Azure package (scripts/packageFunctions.mjs) into bench/.build/functionapp');
  return { ...result, functionApp };
}
