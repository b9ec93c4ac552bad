/**
 * Requests and tokens per minute over a sliding 60-second window (an exact log, not a bucket approximation).
 * Tokens are admitted at their estimate and corrected to the provider's count when the request settles.
 * In memory: the gateway is one process, and a restart simply starts a fresh minute.
 */
export const RATE_WINDOW_MS = 60_000;

export interface TokenEntry {
  t: number;
  tokens: number;
  /** Set once the entry has left the window (its tokens no longer count). */
  expired: boolean;
}

export interface RateRefusal {
  kind: 'rpm' | 'tpm';
  limit: number;
  current: number;
  retryAfterMs: number;
}

export class SlidingLimiter {
  rpm: number | null;
  tpm: number | null;
  private reqs: number[] = [];
  private reqHead = 0;
  private toks: TokenEntry[] = [];
  private tokHead = 0;
  private tokSum = 0;

  constructor(rpm: number | null, tpm: number | null) {
    this.rpm = rpm;
    this.tpm = tpm;
  }

  private prune(now: number): void {
    const edge = now - RATE_WINDOW_MS;
    while (this.reqHead < this.reqs.length && this.reqs[this.reqHead]! <= edge) this.reqHead++;
    if (this.reqHead > 1024 && this.reqHead * 2 > this.reqs.length) {
      this.reqs = this.reqs.slice(this.reqHead);
      this.reqHead = 0;
    }
    while (this.tokHead < this.toks.length && this.toks[this.tokHead]!.t <= edge) {
      const e = this.toks[this.tokHead++]!;
      e.expired = true;
      this.tokSum -= e.tokens;
    }
    if (this.tokHead > 1024 && this.tokHead * 2 > this.toks.length) {
      this.toks = this.toks.slice(this.tokHead);
      this.tokHead = 0;
    }
  }

  /** Would a request of `tokens` fit now? Returns why not (and when it would), or null. Does not admit. */
  check(now: number, tokens: number): RateRefusal | null {
    this.prune(now);
    const count = this.reqs.length - this.reqHead;
    if (this.rpm !== null && count >= this.rpm) {
      return { kind: 'rpm', limit: this.rpm, current: count, retryAfterMs: this.reqs[this.reqs.length - this.rpm]! + RATE_WINDOW_MS - now };
    }
    if (this.tpm !== null) {
      const need = this.admitTokens(tokens);
      if (this.tokSum + need > this.tpm) {
        // When enough of the oldest tokens leave the window.
        let freed = 0;
        let at = now;
        for (let i = this.tokHead; i < this.toks.length; i++) {
          freed += this.toks[i]!.tokens;
          at = this.toks[i]!.t + RATE_WINDOW_MS;
          if (this.tokSum - freed + need <= this.tpm) break;
        }
        return { kind: 'tpm', limit: this.tpm, current: this.tokSum, retryAfterMs: at - now };
      }
    }
    return null;
  }

  /** A single request is never charged more than the whole per-minute allowance, so a big one passes an empty minute. */
  private admitTokens(tokens: number): number {
    return this.tpm === null ? tokens : Math.min(tokens, this.tpm);
  }

  /** Admits a request (after check() said yes); returns the token entry to correct at settle. */
  admit(now: number, tokens: number): TokenEntry | null {
    this.reqs.push(now);
    if (this.tpm === null) return null;
    const e: TokenEntry = { t: now, tokens: this.admitTokens(tokens), expired: false };
    this.toks.push(e);
    this.tokSum += e.tokens;
    return e;
  }

  /** Corrects an admitted entry to the tokens actually used. */
  settle(e: TokenEntry, actualTokens: number): void {
    if (e.expired) return;
    this.tokSum += actualTokens - e.tokens;
    e.tokens = actualTokens;
  }

  usage(now: number): { requests: number; tokens: number } {
    this.prune(now);
    return { requests: this.reqs.length - this.reqHead, tokens: this.tokSum };
  }
}
