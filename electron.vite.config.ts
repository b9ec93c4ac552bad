// Desktop build (`npm run build`): main, preload and renderer into out/. Native modules (better-sqlite3,
// @napi-rs/keyring) stay external (every dependency in package.json is externalized) and are unpacked from
// the asar by electron-builder.yml so they load in the packaged app.
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { rendererConfig, rendererRoot } from './renderer/vite.config.ts';
import path from 'node:path';

const root = path.dirname(new URL(import.meta.url).pathname);

/**
 * Core resolves files relative to its own source (`../../../resources/pricing.json` from electron/core/x/y.ts).
 * Bundled into out/main/index.js, the project root is two levels up instead of three.
 */
function coreRelativePaths(): Plugin {
  return {
    name: 'airlock-core-relative-paths',
    transform(code, id) {
      if (!/[\\/]electron[\\/]core[\\/][^\\/]+[\\/][^\\/]+\.ts$/.test(id)) return null;
      // Only data files (resources/, package.json, out/), never import specifiers.
      const re = /(?<!(?:from|import\()\s*)(['"`])\.\.\/\.\.\/\.\.\/(resources\/|package\.json|out\/)/g;
      if (!re.test(code)) return null;
      return { code: code.replace(re, '$1../../$2'), map: null };
    },
  };
}

/**
 * out/main entries: the shell, and each worker thread script core starts. The names are the contract with
 * electron/main/workers.ts (WORKER_FILES), checked by electron/main/build.test.ts.
 */
export const MAIN_ENTRIES = {
  index: path.join(root, 'electron/main/index.ts'),
  'analytics-worker': path.join(root, 'electron/core/analytics/worker.ts'),
  'audit-verify-worker': path.join(root, 'electron/core/api/governance-verify-worker.ts'),
};

const renderer = rendererConfig();

export default defineConfig({
  main: {
    plugins: [coreRelativePaths()],
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      // The worker threads core starts are entries of their own (electron/main/workers.ts passes their paths).
      lib: { entry: MAIN_ENTRIES, formats: ['es'] },
      rollupOptions: {
        external: ['better-sqlite3', '@napi-rs/keyring', 'electron'],
        // Entries and shared chunks side by side in out/main: coreRelativePaths() assumes that depth.
        output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads must be one CommonJS file with everything inlined.
      externalizeDeps: false,
      lib: { entry: path.join(root, 'electron/preload/index.ts'), formats: ['cjs'], fileName: () => 'index.cjs' },
      rollupOptions: { external: ['electron'] },
    },
  },
  renderer: {
    ...renderer,
    root: rendererRoot,
    build: {
      ...renderer.build,
      rollupOptions: { input: path.join(rendererRoot, 'index.html') },
    },
  },
});
