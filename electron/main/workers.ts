// Worker threads core starts, as built by electron-vite: each is an entry of its own next to out/main/index.js
// (electron.vite.config.ts MAIN_ENTRIES; electron/main/build.test.ts checks both sides agree). Under plain Node
// (CLI, tests) core runs the .ts sources instead, so only the desktop shell passes these paths.
import path from 'node:path';

/** File names in out/main; the keys of MAIN_ENTRIES without '.js'. */
export const WORKER_FILES = {
  analytics: 'analytics-worker.js',
  auditVerify: 'audit-verify-worker.js',
} as const;

/** The CoreDeps fields for a shell whose bundle lives in `mainDir` (inside app.asar when packaged: Electron's workers read asar). */
export function workerPaths(mainDir: string): { analyticsWorkerPath: string; auditVerifyWorkerPath: string } {
  return {
    analyticsWorkerPath: path.join(mainDir, WORKER_FILES.analytics),
    auditVerifyWorkerPath: path.join(mainDir, WORKER_FILES.auditVerify),
  };
}
