import type { BreakerSettings } from './routes.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

interface Entry {
  state: BreakerState;
  failures: number;
  openedAt: number;
  cooldownMs: number;
  /** A half-open probe is in flight: other requests keep away until it reports. */
  probing: boolean;
}

/**
 * Circuit breakers per `<provider>/<model>`: `failureThreshold` consecutive failures open it; after the
 * cooldown one request is let through as a half-open probe; its success closes the breaker, its failure
 * re-opens it with a doubled cooldown (up to maxCooldownMs). In memory: a restart starts every breaker closed.
 */
export class Breakers {
  private readonly entries = new Map<string, Entry>();
  settings: BreakerSettings;
  private readonly now: () => number;

  constructor(settings: BreakerSettings, now: () => number = Date.now) {
    this.settings = settings;
    this.now = now;
  }

  state(key: string): BreakerState {
    const e = this.entries.get(key);
    if (!e) return 'closed';
    if (e.state === 'open' && this.now() - e.openedAt >= e.cooldownMs) return 'half-open';
    return e.state;
  }

  /** May a request go to `key` now? Claims the half-open probe slot when it lets one through. */
  allow(key: string): boolean {
    const e = this.entries.get(key);
    if (!e || e.state === 'closed') return true;
    if (e.state === 'open') {
      if (this.now() - e.openedAt < e.cooldownMs) return false;
      e.state = 'half-open';
      e.probing = false;
    }
    if (e.probing) return false;
    e.probing = true;
    return true;
  }

  /** Would allow() say yes, without claiming anything (for ordering candidates). */
  healthy(key: string): boolean {
    const e = this.entries.get(key);
    if (!e || e.state === 'closed') return true;
    if (e.state === 'open') return this.now() - e.openedAt >= e.cooldownMs;
    return !e.probing;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when it would now). */
  retryInMs(key: string): number {
    const e = this.entries.get(key);
    if (!e || e.state !== 'open') return 0;
    return Math.max(0, e.cooldownMs - (this.now() - e.openedAt));
  }

  success(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    // A success (probe or not) closes the breaker and forgets the failure streak.
    this.entries.delete(key);
  }

  failure(key: string): void {
    let e = this.entries.get(key);
    if (!e) {
      e = { state: 'closed', failures: 0, openedAt: 0, cooldownMs: this.settings.cooldownMs, probing: false };
      this.entries.set(key, e);
    }
    if (e.state === 'half-open' || (e.state === 'open' && this.now() - e.openedAt >= e.cooldownMs)) {
      // The probe failed: open again, waiting longer.
      e.state = 'open';
      e.openedAt = this.now();
      e.cooldownMs = Math.min(e.cooldownMs * 2, this.settings.maxCooldownMs);
      e.probing = false;
      return;
    }
    e.failures++;
    if (e.state === 'closed' && e.failures >= this.settings.failureThreshold) {
      e.state = 'open';
      e.openedAt = this.now();
      e.cooldownMs = this.settings.cooldownMs;
    }
  }

  /** A probe that ended without a verdict (client went away, request error): free the slot. */
  release(key: string): void {
    const e = this.entries.get(key);
    if (e && e.state === 'half-open') e.probing = false;
  }

  /** Closes every breaker. */
  reset(): void {
    this.entries.clear();
  }

  snapshot(): { key: string; state: BreakerState; failures: number; retryInMs: number }[] {
    return [...this.entries.keys()].map((k) => ({ key: k, state: this.state(k), failures: this.entries.get(k)!.failures, retryInMs: this.retryInMs(k) }));
  }
}
