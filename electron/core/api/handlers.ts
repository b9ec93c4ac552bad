// The one implementation of the app API contract (shared/api/contract.ts), against Core. Transports
// (Electron IPC, web-mode HTTP) never call these directly: they go through AppApiService.call, which
// validates input and output at the boundary.
import type { Core } from '../core.ts';
import type { Contract, Method, Output, Provider, KeyStatus, LocalServer } from '../../../shared/api/contract.ts';
import type { z } from 'zod';
import { ApiError } from '../../../shared/api/errors.ts';
import { PRESETS, findPreset, normaliseBaseUrl, type ProviderType } from '../providers/presets.ts';
import type { ProviderRecord } from '../store/providers-repo.ts';
import { usageReport } from '../store/requests-repo.ts';
import { listModels } from '../routing/models.ts';
import { SecretStoreUnavailableError } from '../secrets/secret-store.ts';
import { keysOf, type KeysPort } from './keys-port.ts';
import { effectiveRetention, effectiveStorePrompts, pruneRequestLog, readAppSettings, writeAppSettings } from './settings.ts';
import { bodiesHandlers } from '../bodies/api.ts';
import { gatewaySettingsView, updateGatewaySettings } from './gateway-settings.ts';
import { GatewaySettingError } from '../../../shared/gateway-settings.ts';
import { bodyStoreOf } from '../bodies/store.ts';
import { chatHandlers } from '../chat/handlers.ts';
import { createGovernanceHandlers } from './governance.ts';
import { createDashboardHandlers } from './dashboard.ts';

export type GatewayState = 'running' | 'paused' | 'stopped';

/** What the shell around core (Electron main, or `airlock serve`) provides to the API. */
export interface ShellHooks {
  mode: 'desktop' | 'web';
  version: string;
  /** portOverride: the running port came from `airlock serve --port` (AIRLOCK_PORT is read from core.env). */
  gateway(): { state: GatewayState; port: number; portOverride?: '--port' | null };
  /** Desktop only: stop/start accepting gateway requests. */
  setPaused?(paused: boolean): Promise<void>;
  /** Desktop only: the OS login item. */
  loginItem?: { set(enabled: boolean): Promise<void> | void };
  /** Where to look for local model servers (tests point these at loopback fakes). */
  localServers?: { preset: string; baseUrl: string }[];
}

export type Handlers = { [M in Method]: (input: z.output<Contract[M]['input']>) => Promise<Output<M>> | Output<M> };

const KEY_URLS: Record<string, string> = {
  openai: 'https://platform.openai.com/api-keys',
  anthropic: 'https://console.anthropic.com/settings/keys',
  gemini: 'https://aistudio.google.com/apikey',
  deepseek: 'https://platform.deepseek.com/api_keys',
  mistral: 'https://console.mistral.ai/api-keys',
  groq: 'https://console.groq.com/keys',
  openrouter: 'https://openrouter.ai/keys',
  xai: 'https://console.x.ai',
  together: 'https://api.together.ai/settings/api-keys',
};

const DAY = 86_400_000;

export function startOfToday(now = new Date()): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
}

function requireKeys(core: Core): KeysPort {
  const k = keysOf(core);
  if (!k) throw new ApiError('unavailable', 'Key storage is not available in this build: the keychain service is missing.');
  return k;
}

export function createHandlers(core: Core, hooks: ShellHooks): Handlers {
  const settingsView = (): Output<'settings.get'> => {
    const s = readAppSettings(core);
    const r = effectiveRetention(core);
    const sp = effectiveStorePrompts(core);
    return {
      port: s.port,
      startAtLogin: s.startAtLogin,
      startAtLoginSupported: Boolean(hooks.loginItem),
      requestLogRetentionDays: s.requestLogRetentionDays,
      storePrompts: s.storePrompts,
      requestLogRetentionEffectiveDays: r.days,
      requestLogRetentionLimitedBy: r.limit?.by ?? null,
      storePromptsAllowed: sp.allowed,
      storePromptsLimitedBy: sp.limit?.by ?? null,
      storedBodies: bodyStoreOf(core).count(),
    };
  };
  const gatewayStatus = (): Output<'gateway.status'> => {
    const g = hooks.gateway();
    const s = readAppSettings(core);
    const origin = `http://127.0.0.1:${g.port}`;
    // What decided the running port, when it is not the configured one: --port, then AIRLOCK_PORT, then Settings.
    const override = g.portOverride ?? (core.env.AIRLOCK_PORT !== undefined && core.env.AIRLOCK_PORT !== '' ? 'AIRLOCK_PORT' : null);
    const differs = s.port !== g.port;
    const restartNeeded = differs && s.portSet && override === null;
    const portOverride = !differs || restartNeeded ? null : (override ?? 'other');
    return { state: g.state, port: g.port, url: `${origin}/v1`, origin, restartNeeded, configuredPort: s.port, portOverride };
  };

  async function keyStatus(p: ProviderRecord, local: boolean): Promise<KeyStatus> {
    if (p.keyEnv) return { source: 'env', hint: p.keyEnv, label: null, others: 0 };
    const keys = keysOf(core);
    if (!keys) return { source: local ? 'local' : 'none', hint: null, label: null, others: 0 };
    try {
      const list = await keys.list(p.id);
      const active = list.find((k) => k.active) ?? null;
      if (!active) return { source: local ? 'local' : 'none', hint: null, label: null, others: list.length };
      return { source: 'keychain', hint: `…${active.hint.slice(-4)}`, label: active.label, others: list.length - 1 };
    } catch {
      return { source: 'unavailable', hint: null, label: null, others: 0 };
    }
  }

  async function toProvider(p: ProviderRecord): Promise<Provider> {
    const preset = findPreset(p.preset);
    const runtime = core.live.refresh().providers.get(p.id);
    const local = runtime?.local ?? Boolean(preset?.local);
    return {
      id: p.id,
      label: preset && preset.id === p.id ? preset.label : p.id,
      type: p.type,
      preset: p.preset,
      baseUrl: p.baseUrl,
      local,
      key: await keyStatus(p, local),
      createdAt: p.createdAt,
    };
  }

  function getProvider(id: string): ProviderRecord {
    const p = core.providers.get(id);
    if (!p) throw new ApiError('not_found', `There is no provider '${id}'.`);
    return p;
  }

  async function probe(baseUrl: string): Promise<string[] | null> {
    try {
      const r = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(800), redirect: 'error' });
      if (!r.ok) return null;
      const body = (await r.json()) as { data?: { id?: unknown }[] };
      return (body.data ?? []).map((m) => m.id).filter((x): x is string => typeof x === 'string');
    } catch {
      return null;
    }
  }

  return {
    'app.info': () => ({ version: hooks.version, mode: hooks.mode, platform: process.platform, dataDir: core.dataDir, gateway: gatewayStatus() }),
    'gateway.status': () => gatewayStatus(),
    'gateway.setPaused': async ({ paused }) => {
      if (!hooks.setPaused) throw new ApiError('not_supported', 'Pausing the gateway is only available in the desktop app; stop `airlock serve` instead.');
      await hooks.setPaused(paused);
      return gatewayStatus();
    },
    'usage.today': () => {
      const r = usageReport(core.db, { since: startOfToday() });
      return { requests: r.requests, costUsd: r.cost_usd, costUnknownRequests: r.cost_unknown_requests };
    },
    'providers.presets': () =>
      PRESETS.map((p) => ({ id: p.id, label: p.label, type: p.type, baseUrl: p.baseUrl, local: Boolean(p.local), keyEnvHint: p.keyEnvHint ?? null, keyUrl: KEY_URLS[p.id] ?? null })),
    'providers.list': async () => Promise.all(core.providers.list().map(toProvider)),
    'providers.add': async ({ id, preset: presetName, type, baseUrl, key }) => {
      const preset = findPreset(presetName ?? id);
      if (presetName && !preset) throw new ApiError('invalid_input', `Unknown preset '${presetName}'.`);
      const t = (type ?? preset?.type ?? (baseUrl ? 'openai-compatible' : undefined)) as ProviderType | undefined;
      const raw = baseUrl || preset?.baseUrl;
      if (!t || !raw) throw new ApiError('invalid_input', `'${id}' is not a known provider: give its base URL (e.g. https://api.example.com/v1).`);
      let url: string;
      try {
        url = normaliseBaseUrl(raw);
      } catch (err) {
        throw new ApiError('invalid_input', (err as Error).message);
      }
      if (core.providers.get(id)) throw new ApiError('conflict', `A provider named '${id}' already exists. Pick another name, or rotate its key under Providers.`);
      const rec = core.providers.add({ id, type: t, preset: preset?.id ?? null, baseUrl: url, keyEnv: null, options: {} });
      if (key) {
        try {
          await requireKeys(core).set(id, key, { activate: true });
        } catch (err) {
          // No half-added provider: without its key it would only fail later.
          core.providers.remove(id);
          throw err;
        }
      }
      return toProvider(rec);
    },
    'providers.remove': async ({ id }) => {
      getProvider(id);
      const keys = keysOf(core);
      if (keys) {
        try {
          await keys.remove(id);
        } catch (err) {
          if (!(err instanceof SecretStoreUnavailableError)) throw err;
          throw new ApiError('unavailable', `${err.message} The provider was kept so its key is not orphaned in the keychain.`);
        }
      }
      return { removed: core.providers.remove(id) };
    },
    'providers.detectLocal': async () => {
      const targets =
        hooks.localServers ?? PRESETS.filter((p) => p.local).map((p) => ({ preset: p.id, baseUrl: p.baseUrl }));
      const configured = core.providers.list();
      return Promise.all(
        targets.map(async (t): Promise<LocalServer> => {
          const models = await probe(t.baseUrl);
          const preset = findPreset(t.preset);
          const existing = configured.find((p) => p.baseUrl === t.baseUrl || (p.preset === t.preset && p.id === t.preset));
          return { preset: t.preset, label: preset?.label ?? t.preset, baseUrl: t.baseUrl, running: models !== null, models: models ?? [], providerId: existing?.id ?? null };
        }),
      );
    },
    'models.list': async () => (await listModels(core.live.refresh(), core)).map((m) => m.id),
    'keys.set': async ({ providerId, secret, label }) => {
      const p = getProvider(providerId);
      if (p.keyEnv) core.providers.update(providerId, { keyEnv: null });
      await requireKeys(core).set(providerId, secret, { activate: true, ...(label ? { label } : {}) });
      return toProvider(getProvider(providerId));
    },
    'keys.test': async ({ providerId }) => {
      getProvider(providerId);
      return requireKeys(core).test(providerId);
    },
    'keys.remove': async ({ providerId }) => {
      getProvider(providerId);
      await requireKeys(core).remove(providerId);
      return toProvider(getProvider(providerId));
    },
    'tokens.list': () => {
      const since = Date.now() - 30 * DAY;
      const last = core.db.prepare(
        "SELECT ts, COALESCE(provider || '/' || model, requested_model) AS model, status FROM requests WHERE client = ? ORDER BY ts DESC LIMIT 1",
      );
      const spend = core.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(cost_usd), 0) AS cost FROM requests WHERE client = ? AND ts >= ?');
      return core.clients
        .list()
        .filter((c) => c.revokedAt === null)
        .map((c) => {
          const l = last.get(c.name) as { ts: number; model: string | null; status: number } | undefined;
          const s = spend.get(c.name, since) as { n: number; cost: number };
          return {
            name: c.name,
            hint: c.tokenHint,
            createdAt: c.createdAt,
            revokedAt: c.revokedAt,
            lastUsedAt: c.lastUsedAt,
            lastRequest: l ? { ts: l.ts, model: l.model, status: l.status } : null,
            requests30d: s.n,
            spend30dUsd: Math.round(s.cost * 1e6) / 1e6,
          };
        });
    },
    'tokens.create': ({ name }) => {
      const existing = core.clients.get(name);
      if (existing && existing.revokedAt === null) throw new ApiError('conflict', `A token named '${name}' already exists. Revoke it first or pick another name.`);
      const { client, token } = core.clients.create(name);
      return { name: client.name, token, hint: client.tokenHint };
    },
    'tokens.revoke': ({ name }) => {
      if (!core.clients.get(name)) throw new ApiError('not_found', `There is no token named '${name}'.`);
      return { revoked: core.clients.revoke(name) };
    },
    'settings.get': () => settingsView(),
    'settings.update': async (patch) => {
      if (patch.startAtLogin !== undefined) {
        if (!hooks.loginItem) throw new ApiError('not_supported', 'Start at login is set by the desktop app; in web mode, start `airlock serve` from your session instead.');
        await hooks.loginItem.set(patch.startAtLogin);
      }
      // The policy's retention limits may only be tightened (docs/policy.md): refuse what it forbids, naming who set it.
      if (patch.storePrompts === true) {
        const sp = effectiveStorePrompts(core);
        if (!sp.allowed) throw new ApiError('forbidden', `Storing prompts is not allowed by ${sp.limit?.by ?? 'the policy'}.`);
      }
      if (patch.requestLogRetentionDays !== undefined) {
        const r = effectiveRetention(core);
        if (r.policyDays !== null && (patch.requestLogRetentionDays === 0 || patch.requestLogRetentionDays > r.policyDays)) {
          const by = r.limit?.by ?? (core.policy.managed()?.retention?.requestLogDays !== undefined ? `team policy ${core.policy.managedBy() ?? ''}`.trim() : 'your policy settings');
          throw new ApiError('forbidden', `Request-log rows may be kept ${r.policyDays} days at most (set by ${by}). Pick ${r.policyDays} days or fewer.`);
        }
      }
      writeAppSettings(core, patch);
      bodyStoreOf(core).invalidate();
      // A shorter retention, or storing turned off, applies now rather than at the next retention run.
      if (patch.requestLogRetentionDays !== undefined || patch.storePrompts === false) pruneRequestLog(core);
      return settingsView();
    },
    // The gateway's advanced settings (also `airlock config`); the running gateway applies them to its next request.
    'settings.gateway': () => gatewaySettingsView(core),
    'settings.updateGateway': (input) => {
      try {
        return updateGatewaySettings(core, input);
      } catch (err) {
        if (err instanceof GatewaySettingError) throw new ApiError('invalid_input', err.message);
        throw err;
      }
    },
    // Stored prompts and answers (only with "Store prompts" on; electron/core/bodies).
    ...bodiesHandlers(core),
    // The chat workspace (electron/core/chat): each turn goes through this gateway's own pipeline.
    ...chatHandlers(core, () => hooks.gateway()),
    // Policy view, Admin mode, Audit view (electron/core/api/governance.ts).
    ...createGovernanceHandlers(core),
    // Spend dashboard, request log, budgets, DLP view (electron/core/api/dashboard.ts).
    ...createDashboardHandlers(core),
  };
}
