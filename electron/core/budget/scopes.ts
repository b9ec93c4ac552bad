/** What a budget or rate limit applies to. */
export type ScopeKind = 'global' | 'client' | 'provider' | 'model';

export interface Scope {
  kind: ScopeKind;
  /** The canonical text form: 'global', 'client:cursor', 'provider:openai', 'model:openai/gpt-4o'. */
  key: string;
  client?: string;
  provider?: string;
  model?: string;
}

const SCOPE_HELP = "use 'global', 'client:<token name>', 'provider:<provider id>' or 'model:<provider id>/<model>'";

/** Parses a scope; throws an Error whose message says what is expected. */
export function parseScope(raw: string): Scope {
  const s = raw.trim();
  if (s === 'global') return { kind: 'global', key: 'global' };
  const m = /^(client|provider|model):(\S{1,200})$/.exec(s);
  if (!m) throw new Error(`Invalid scope '${raw}': ${SCOPE_HELP}.`);
  const kind = m[1] as ScopeKind;
  const rest = m[2]!;
  if (kind === 'client') return { kind, key: `client:${rest}`, client: rest };
  if (kind === 'provider') {
    if (rest.includes('/')) throw new Error(`Invalid scope '${raw}': a provider id has no '/'; for one model use 'model:${rest}'.`);
    return { kind, key: `provider:${rest}`, provider: rest };
  }
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) throw new Error(`Invalid scope '${raw}': a model scope is 'model:<provider id>/<model>', e.g. 'model:openai/gpt-4o'.`);
  return { kind, key: `model:${rest}`, provider: rest.slice(0, slash), model: rest.slice(slash + 1) };
}

/** Every scope key one request falls under, broadest first. */
export function scopesOf(client: string | null, provider: string | null, model: string | null): string[] {
  const out = ['global'];
  if (client) out.push(`client:${client}`);
  if (provider) {
    out.push(`provider:${provider}`);
    if (model) out.push(`model:${provider}/${model}`);
  }
  return out;
}
