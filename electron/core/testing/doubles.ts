// Small stand-ins for tests: an in-memory keychain and a stand-in output filter.
import type { SecretStore } from '../secrets/secret-store.ts';
import type { OutputFilter } from '../pipeline/context.ts';

/** An in-memory keychain (the real one is covered by the keychain tests). */
export class MemorySecrets implements SecretStore {
  readonly items = new Map<string, string>();
  async get(a: string) {
    return this.items.get(a) ?? null;
  }
  async set(a: string, s: string) {
    this.items.set(a, s);
  }
  async delete(a: string) {
    return this.items.delete(a);
  }
}

/**
 * An output filter that upper-cases, holding back a trailing partial "<" marker the way a DLP restorer holds back
 * a placeholder split across chunks (released with the next delta or at flush).
 */
export function upperHoldBackFilter(): OutputFilter {
  const held = new Map<string, string>();
  return {
    delta(slot, text) {
      const all = (held.get(slot) ?? '') + text;
      const cut = all.includes('<') && all.lastIndexOf('<') >= all.length - 3 ? all.lastIndexOf('<') : all.length;
      held.set(slot, all.slice(cut));
      return all.slice(0, cut).toUpperCase();
    },
    flush(slot) {
      const rest = held.get(slot) ?? '';
      held.delete(slot);
      return rest.toUpperCase();
    },
    full: (t) => t.toUpperCase(),
  };
}
