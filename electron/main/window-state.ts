import fs from 'node:fs';
import path from 'node:path';

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW: WindowState = { width: 1120, height: 780, maximized: false };

export function stateFile(dataDir: string): string {
  return path.join(dataDir, 'window-state.json');
}

/** The remembered window, kept only if it is still visible on one of the displays' work areas. */
export function loadWindowState(dataDir: string, displays: Area[]): WindowState {
  let s: Partial<WindowState>;
  try {
    s = JSON.parse(fs.readFileSync(stateFile(dataDir), 'utf8'));
  } catch {
    return { ...DEFAULT_WINDOW };
  }
  const width = Number.isFinite(s.width) ? Math.max(760, Math.min(s.width!, 10_000)) : DEFAULT_WINDOW.width;
  const height = Number.isFinite(s.height) ? Math.max(520, Math.min(s.height!, 10_000)) : DEFAULT_WINDOW.height;
  const state: WindowState = { width, height, maximized: s.maximized === true };
  if (Number.isFinite(s.x) && Number.isFinite(s.y)) {
    const visible = displays.some((d) => s.x! + 100 > d.x && s.x! < d.x + d.width - 100 && s.y! >= d.y - 10 && s.y! < d.y + d.height - 50);
    if (visible) Object.assign(state, { x: s.x, y: s.y });
  }
  return state;
}

export function saveWindowState(dataDir: string, state: WindowState): void {
  try {
    fs.writeFileSync(stateFile(dataDir), JSON.stringify(state));
  } catch {
    /* not worth failing a quit over */
  }
}
