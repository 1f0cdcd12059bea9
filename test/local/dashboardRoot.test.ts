import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardRoot } from '../../functions/local/dashboardRoot.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('dashboardRoot', () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.remove();
  });

  it('finds web/dist at the repository root from the sources and from the compiled output alike', () => {
    const expected = join(repoRoot, 'web', 'dist');
    expect(dashboardRoot(join(repoRoot, 'functions', 'local'))).toBe(expected);
    expect(dashboardRoot(join(repoRoot, 'dist', 'functions', 'local'))).toBe(expected);
  });

  it('takes the nearest package.json, so an installed copy serves its own dashboard', async () => {
    dir = await makeTempDir('dashboard-root');
    await mkdir(join(dir.path, 'app', 'dist', 'functions', 'local'), { recursive: true });
    await writeFile(join(dir.path, 'app', 'package.json'), '{}');
    expect(dashboardRoot(join(dir.path, 'app', 'dist', 'functions', 'local'))).toBe(
      join(dir.path, 'app', 'web', 'dist'),
    );
  });
});
