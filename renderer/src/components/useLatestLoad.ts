import { useEffect, useRef, useState } from 'react';
import { errorText } from '../store.ts';

/**
 * Calls `fetch` when `deps` change and on reload(), keeping only the newest call's answer or error: a slow answer
 * for earlier inputs never replaces a newer one, and `loading` follows the newest call.
 */
export function useLatestLoad<T>(fetch: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);
  async function reload() {
    const my = ++seq.current;
    setLoading(true);
    try {
      const r = await fetch();
      if (my !== seq.current) return;
      setData(r);
      setError(null);
    } catch (e) {
      if (my === seq.current) setError(errorText(e));
    } finally {
      if (my === seq.current) setLoading(false);
    }
  }
  useEffect(() => {
    void reload();
  }, deps);
  return { data, error, setError, loading, reload };
}
