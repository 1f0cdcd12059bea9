import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** SPEC 5: the whole dashboard's JavaScript stays at or under 120 KB gzip. */
export const JS_GZIP_BUDGET_BYTES = 120 * 1024;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;

/**
 * Prints every emitted JS chunk's gzip size and the total, and fails the build when the total is over the
 * budget. Runs in generateBundle, so an over-budget build writes nothing.
 */
export function gzipBudget(budgetBytes = JS_GZIP_BUDGET_BYTES): Plugin {
  return {
    name: 'til-gzip-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const rows: { file: string; raw: number; gzip: number }[] = [];
      for (const output of Object.values(bundle)) {
        if (output.type !== 'chunk') continue;
        const code = Buffer.from(output.code);
        rows.push({ file: output.fileName, raw: code.length, gzip: gzipSync(code, { level: 9 }).length });
      }
      rows.sort((a, b) => b.gzip - a.gzip);
      const total = rows.reduce((sum, row) => sum + row.gzip, 0);
      const width = Math.max(...rows.map((r) => r.file.length), 5);
      const lines = [
        '',
        'JavaScript gzip sizes (budget SPEC 5):',
        ...rows.map(
          (r) => `  ${r.file.padEnd(width)}  ${kb(r.raw).padStart(10)} raw  ${kb(r.gzip).padStart(10)} gzip`,
        ),
        `  ${'total'.padEnd(width)}  ${''.padStart(14)}  ${kb(total).padStart(10)} gzip (${total} bytes, budget ${budgetBytes} bytes)`,
        '',
      ];
      console.log(lines.join('\n'));
      if (total > budgetBytes) {
        this.error(
          `JavaScript is ${total} bytes gzip, over the ${budgetBytes}-byte budget (${kb(total)} > ${kb(budgetBytes)})`,
        );
      }
    },
  };
}

/**
 * When the API lives on another origin (VITE_API_BASE_URL absolute), the built staticwebapp.config.json's
 * Content-Security-Policy must allow connecting to it.
 */
export function cspConnectSrc(apiBaseUrl: string | undefined, outDir: string): Plugin {
  return {
    name: 'til-csp-connect-src',
    apply: 'build',
    async closeBundle() {
      if (!apiBaseUrl || !/^https?:\/\//i.test(apiBaseUrl)) return;
      const origin = new URL(apiBaseUrl).origin;
      const file = join(outDir, 'staticwebapp.config.json');
      const config = JSON.parse(await readFile(file, 'utf8')) as { globalHeaders: Record<string, string> };
      const csp = config.globalHeaders['Content-Security-Policy'] ?? '';
      config.globalHeaders['Content-Security-Policy'] = csp.replace(
        /connect-src 'self'/,
        `connect-src 'self' ${origin}`,
      );
      await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
    },
  };
}
