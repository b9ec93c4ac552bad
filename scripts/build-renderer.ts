// Builds the renderer for web mode (and the desktop app) into out/renderer with Vite. Fast: one Vite build.
import { build } from 'vite';
import { rendererConfig, rendererOutDir } from '../renderer/vite.config.ts';

const t0 = performance.now();
await build({ ...rendererConfig(), configFile: false });
console.log(`renderer built into ${rendererOutDir} in ${Math.round(performance.now() - t0)} ms`);
