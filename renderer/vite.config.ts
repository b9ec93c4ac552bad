// The renderer's Vite config, shared by electron.vite.config.ts (desktop) and scripts/build-renderer.ts
// (web mode). Output: out/renderer, loaded from files by the desktop app and served by `airlock serve`.
import path from 'node:path';
import react from '@vitejs/plugin-react';
import type { UserConfig } from 'vite';

const here = path.dirname(new URL(import.meta.url).pathname);

export const rendererRoot = here;
export const rendererOutDir = path.resolve(here, '../out/renderer');

export function rendererConfig(): UserConfig {
  return {
    root: here,
    // Relative URLs work both from app://airlock/ (desktop) and http://127.0.0.1:PORT/ (web mode).
    base: './',
    plugins: [react()],
    publicDir: path.join(here, 'public'),
    logLevel: 'warn',
    build: {
      outDir: rendererOutDir,
      emptyOutDir: true,
      target: 'es2022',
      // No inline script anywhere: the CSP forbids it.
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      sourcemap: false,
      reportCompressedSize: false,
    },
  };
}
