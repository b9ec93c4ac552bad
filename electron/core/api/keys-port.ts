import type { Core } from '../core.ts';
import type { KeyInfo, KeyTestResult } from '../secrets/keys-service.ts';

/** What the app API needs from core's key service (`core.keys`). */
export interface KeysPort {
  list(providerId?: string): Promise<KeyInfo[]>;
  set(providerId: string, secret: string, opts?: { label?: string; activate?: boolean }): Promise<KeyInfo>;
  use(providerId: string, label: string): Promise<void>;
  remove(providerId: string, label?: string): Promise<boolean>;
  test(providerId: string): Promise<KeyTestResult>;
  describe(providerId: string): Promise<string>;
}

/** The key service of this core, or null where none is wired in. */
export function keysOf(core: Core): KeysPort | null {
  return (core.keys as KeysPort | undefined) ?? null;
}
