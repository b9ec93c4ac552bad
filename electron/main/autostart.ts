import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Linux has no login-item API in Electron: an XDG autostart entry does the same. */
export function linuxAutostartFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'autostart', 'airlock.desktop');
}

export function linuxAutostartEntry(exec: string): string {
  const quoted = /[\s"'\\]/.test(exec) ? `"${exec.replace(/(["\\`$])/g, '\\$1')}"` : exec;
  return ['[Desktop Entry]', 'Type=Application', 'Name=Airlock', 'Comment=Local AI gateway', `Exec=${quoted} --hidden`, 'X-GNOME-Autostart-enabled=true', ''].join('\n');
}

export function setLinuxAutostart(enabled: boolean, exec: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = linuxAutostartFile(env);
  if (!enabled) {
    fs.rmSync(file, { force: true });
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, linuxAutostartEntry(exec));
}
