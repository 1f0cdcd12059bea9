import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv } from 'vite';
import { cspConnectSrc, gzipBudget } from './gzipReport.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('./dist', import.meta.url));

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, root, 'VITE_');
  const apiBaseUrl = process.env.VITE_API_BASE_URL ?? env.VITE_API_BASE_URL;
  return {
    root,
    base: '/',
    plugins: [react(), gzipBudget(), cspConnectSrc(apiBaseUrl, outDir)],
    // `npx vite --config web/vite.config.ts` next to `npm start`: the dev server passes /api to the local server.
    server: { proxy: { '/api': process.env.TIL_API_URL ?? 'http://localhost:7071' } },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      // The polyfill is an inline <script>, which the dashboard's Content-Security-Policy forbids.
      modulePreload: { polyfill: false },
      // Keep small assets as files: an inlined data: font or script would need a looser CSP.
      assetsInlineLimit: 0,
      sourcemap: false,
      reportCompressedSize: false,
    },
  };
});
