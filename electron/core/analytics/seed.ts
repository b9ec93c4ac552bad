// Realistic synthetic traffic for the dashboard benchmark and tests: several clients, providers and models,
// a daily and weekly rhythm, errors, refusals, cache hits, routing savings, DLP findings and tags.
import type { DB } from '../store/db.ts';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLIENTS = ['cursor', 'aider', 'claude-code', 'chat', 'ci-script', 'continue'];
const CLIENT_W = [30, 15, 25, 15, 10, 5];
// provider, model, $/M input, $/M output (null = unknown price)
const MODELS: [string, string, number | null, number | null][] = [
  ['openai', 'gpt-4o', 2.5, 10],
  ['openai', 'gpt-4o-mini', 0.15, 0.6],
  ['openai', 'o3-mini', 1.1, 4.4],
  ['anthropic', 'claude-sonnet-4', 3, 15],
  ['anthropic', 'claude-haiku-3.5', 0.8, 4],
  ['deepseek', 'deepseek-chat', 0.27, 1.1],
  ['ollama', 'llama3.1:8b', 0, 0],
  ['openrouter', 'meta-llama/llama-3.3-70b', null, null],
];
const MODEL_W = [20, 25, 5, 20, 10, 10, 7, 3];
const FEATURES = ['summarize', 'chat', 'codegen', 'review', 'search'];
const DLP_TYPES = ['email', 'phone', 'iban', 'api_key', 'credit_card'];

function pick<T>(r: () => number, xs: T[], w: number[]): T {
  const tot = w.reduce((a, b) => a + b, 0);
  let x = r() * tot;
  for (let i = 0; i < xs.length; i++) if ((x -= w[i]) < 0) return xs[i];
  return xs[xs.length - 1];
}

export interface SeedOptions {
  rows: number;
  from: number;
  to: number;
  seed?: number;
  /** Odd tag headers (junk, duplicates, mixed case) mixed in, to exercise the parser. */
  junkTags?: boolean;
}

const INSERT = `INSERT INTO requests (ts, client, inbound, requested_model, provider, model, status, error_type, stream,
  input_tokens, cached_tokens, cache_write_tokens, output_tokens, usage_estimated, cost_usd, requested_cost_usd, cache_hit,
  attempts, route_rule, dlp, tags, latency_ms, ttft_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Generates `rows` requests spread over [from, to), time-ordered, inserted in one transaction. */
export function seedRequests(db: DB, o: SeedOptions): void {
  const r = rng(o.seed ?? 1);
  const ins = db.prepare(INSERT);
  // Weighted timestamps: busier on weekdays and in working hours (UTC-based rhythm; good enough).
  const span = o.to - o.from;
  const step = span / o.rows;
  db.transaction(() => {
    for (let i = 0; i < o.rows; i++) {
      let ts = Math.floor(o.from + i * step + r() * step);
      if (ts >= o.to) ts = o.to - 1;
      const client = r() < 0.01 ? null : pick(r, CLIENTS, CLIENT_W);
      let [provider, model, pin, pout] = pick(r, MODELS, MODEL_W) as [string | null, string | null, number | null, number | null];
      const routed = r() < 0.15;
      const requested = routed ? 'auto' : `${provider}/${model}`;
      const u = r();
      let status = 200;
      let errorType: string | null = null;
      let attempts = 1;
      let dlp: string | null = null;
      if (r() < 0.03) {
        const t = DLP_TYPES[Math.floor(r() * DLP_TYPES.length)];
        const action = r() < 0.8 ? 'mask' : 'block';
        const f = [{ type: t, count: 1 + Math.floor(r() * 3), action }];
        if (r() < 0.3) f.push({ type: DLP_TYPES[Math.floor(r() * DLP_TYPES.length)], count: 1, action: 'mask' });
        dlp = JSON.stringify(f);
        if (action === 'block') {
          status = 403;
          errorType = 'dlp_blocked';
          attempts = 0;
        }
      }
      if (status === 200) {
        if (u < 0.004) [status, errorType, attempts] = [429, 'budget_exceeded', 0];
        else if (u < 0.006) [status, errorType, attempts] = [403, 'model_not_allowed', 0];
        else if (u < 0.016) [status, errorType, attempts] = [429, 'rate_limit_exceeded', 1 + Math.floor(r() * 2)];
        else if (u < 0.026) [status, errorType, attempts] = [502, 'upstream_unreachable', 1 + Math.floor(r() * 3)];
        else if (u < 0.03) [status, errorType, attempts] = [500, 'server_error', 1];
        else if (u < 0.04) attempts = 2; // a fallback that succeeded
      }
      const blocked = attempts === 0;
      if (blocked) {
        provider = null;
        model = null;
      }
      const cacheHit = status === 200 && r() < 0.08;
      const ok = status < 400;
      const input = blocked ? null : Math.floor(200 + r() * r() * 20000);
      const cached = input === null ? null : r() < 0.4 ? Math.floor(input * r() * 0.8) : 0;
      const output = !ok || input === null ? (input === null ? null : 0) : Math.floor(20 + r() * r() * 2000);
      let cost: number | null = null;
      if (input !== null && pin !== null && pout !== null) cost = ((input - (cached ?? 0)) * pin + (cached ?? 0) * pin * 0.5 + (output ?? 0) * pout) / 1e6;
      let requestedCost = cost;
      if (routed && cost !== null) requestedCost = cost * (1.2 + r() * 3);
      if (cacheHit && cost !== null) cost = 0;
      const stream = r() < 0.7;
      const ttft = ok && stream && !cacheHit ? Math.exp(5.5 + r() * 1.5 + r() * r() * 2) : cacheHit ? 2 + r() * 10 : null;
      const latency = blocked ? 1 + r() * 5 : (ttft ?? 100) + r() * 8000;
      let tags: string | null = null;
      const tr = r();
      if (tr < 0.45) {
        tags = `feature=${FEATURES[Math.floor(r() * FEATURES.length)]}`;
        if (r() < 0.6) tags += `,env=${r() < 0.7 ? 'prod' : 'dev'}`;
        if (o.junkTags && r() < 0.3) {
          const junk = ['FEATURE=dup', ' Team = core ', '=x', 'novalue', 'a=', ',,,', 'k="q\\u0022"', 'x=1;y=2', 'emoji=🚀', '\t t\t=\tv '];
          tags += ',' + junk[Math.floor(r() * junk.length)];
        }
      }
      ins.run(ts, client, 'openai', requested, provider, model, status, errorType, stream ? 1 : 0, input, cached, 0, output, 0,
        cost, requestedCost, cacheHit ? 1 : 0, attempts, routed ? 'auto:cheapest' : null, dlp, tags, latency, ttft);
    }
  })();
}
