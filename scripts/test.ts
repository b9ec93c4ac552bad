// `npm test`: typecheck, build what the browser tests need, then every test file under Node's test runner
// (unit and integration next to the code, Playwright specs in e2e/). Keychain tests need a Secret Service:
// scripts/with-keyring.sh starts a private D-Bus session and an unlocked gnome-keyring when they are installed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

function step(title: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  console.log(`\n== ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`\n${title} failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status ?? 1);
  }
}

const only = process.argv.slice(2);
step('typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
if (fs.existsSync(path.join(root, 'electron.vite.config.ts')) && only.length === 0) {
  step('build renderer (for web-mode tests)', process.execPath, [path.join(root, 'scripts', 'build-renderer.ts')]);
}
const patterns = only.length ? only : ['electron/**/*.test.ts', 'shared/**/*.test.ts', 'scripts/**/*.test.ts', 'renderer/**/*.test.ts', 'e2e/**/*.e2e.ts'];
const nodeArgs = ['--test', '--test-concurrency=2', '--test-timeout=120000', ...patterns];
const wrapper = path.join(root, 'scripts', 'with-keyring.sh');
if (fs.existsSync(wrapper)) step('tests', 'bash', [wrapper, process.execPath, ...nodeArgs]);
else step('tests', process.execPath, nodeArgs);
