// `npm run bench`: runs every bench/*.bench.ts in its own process, one after another, and prints their figures.
// Figures are ratios against a baseline measured in the same run, because these machines are noisy.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const dir = path.dirname(new URL(import.meta.url).pathname);
const only = process.argv.slice(2);
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && (only.length === 0 || only.some((o) => f.includes(o)))).sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f}`);
  const r = spawnSync(process.execPath, [path.join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`${f} failed (exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
