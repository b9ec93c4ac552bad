import os from 'node:os';
import path from 'node:path';

/** The folder name Electron's app.getPath('userData') uses for productName "Airlock". */
export const APP_DIR_NAME = 'Airlock';

/**
 * The data directory the desktop app uses (Electron's userData for "Airlock"), so `airlock serve`
 * and the app share one database unless told otherwise.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.AIRLOCK_DATA_DIR) return path.resolve(env.AIRLOCK_DATA_DIR);
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_DIR_NAME);
}

export function databasePath(dataDir: string): string {
  return path.join(dataDir, 'airlock.db');
}
