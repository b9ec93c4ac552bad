import fs from 'node:fs';

let cached: string | null = null;

/** The app's version from package.json (the Electron shell uses app.getVersion() instead). */
export function appVersion(): string {
  if (cached) return cached;
  try {
    cached = String(JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version ?? '0.0.0');
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
