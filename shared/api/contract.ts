// The app API: one contract, shared by the renderer, the Electron preload/IPC transport and the web-mode
// HTTP transport. Every method has a zod input and output schema; both are enforced at the boundary by
// electron/core/api (inputs are parsed before a handler runs, outputs are parsed before they leave, which
// also strips any field the contract does not name).
import { z } from 'zod';
import { ChatEvent, chatMethods } from './chat.ts';
import { governanceMethods } from './governance.ts';
import { dashboardMethods } from './dashboard.ts';

export const PROVIDER_ID_RE = /^[a-z0-9][a-z0-9._-]{0,39}$/;
export const TOKEN_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const Empty = z.object({}).strict();
const ProviderId = z.string().regex(PROVIDER_ID_RE, "Use lower-case letters, digits, '.', '_' or '-' (up to 40 characters), e.g. 'openai'.");
const TokenName = z.string().regex(TOKEN_NAME_RE, "Use letters, digits, '.', '_' or '-' (up to 64 characters), e.g. 'cursor'.");
const ProviderType = z.enum(['openai', 'openai-compatible', 'anthropic', 'gemini']);
/** A provider key as pasted by the user: only ever sent in, never returned. */
const SecretInput = z
  .string()
  .trim()
  .min(8, 'That key looks too short.')
  .max(8192, 'That key is too long.')
  .refine((s) => !/\s/.test(s), 'A key has no spaces or line breaks.');

export const GatewayStatus = z.object({
  state: z.enum(['running', 'paused', 'stopped']),
  port: z.number().int(),
  /** The OpenAI-compatible base URL tools use, e.g. http://127.0.0.1:4789/v1 */
  url: z.string(),
  /** The origin, e.g. http://127.0.0.1:4789 (Anthropic-style clients append /v1/messages themselves). */
  origin: z.string(),
  /** The configured port differs from the one in use: a restart applies it. */
  restartNeeded: z.boolean(),
  /** The port Settings holds (or the default): what the gateway uses when nothing overrides it. */
  configuredPort: z.number().int(),
  /** Why the running port is not the configured one (null when they are the same, or restartNeeded): `--port`
   *  given to `airlock serve`, the AIRLOCK_PORT environment variable, or the shell chose it ('other'). */
  portOverride: z.enum(['--port', 'AIRLOCK_PORT', 'other']).nullable(),
});
export type GatewayStatus = z.infer<typeof GatewayStatus>;

export const AppInfo = z.object({
  version: z.string(),
  mode: z.enum(['desktop', 'web']),
  platform: z.string(),
  dataDir: z.string(),
  gateway: GatewayStatus,
});
export type AppInfo = z.infer<typeof AppInfo>;

export const UsageToday = z.object({
  requests: z.number().int(),
  costUsd: z.number(),
  costUnknownRequests: z.number().int(),
});
export type UsageToday = z.infer<typeof UsageToday>;

export const Preset = z.object({
  id: z.string(),
  label: z.string(),
  type: ProviderType,
  baseUrl: z.string(),
  local: z.boolean(),
  keyEnvHint: z.string().nullable(),
  /** Where the user gets a key, shown next to the key field. */
  keyUrl: z.string().nullable(),
});
export type Preset = z.infer<typeof Preset>;

export const KeyStatus = z.object({
  /** keychain: stored in the OS keychain; env: read from an environment variable; none: no key yet;
   *  local: a local server that needs none; unavailable: the keychain could not be read. */
  source: z.enum(['keychain', 'env', 'none', 'local', 'unavailable']),
  /** Last four characters of a stored key ("…abcd"), or the environment variable's name. Never the key. */
  hint: z.string().nullable(),
  label: z.string().nullable(),
  /** Other stored keys for this provider (rotation keeps the previous one until removed). */
  others: z.number().int(),
});
export type KeyStatus = z.infer<typeof KeyStatus>;

export const Provider = z.object({
  id: z.string(),
  label: z.string(),
  type: ProviderType,
  preset: z.string().nullable(),
  baseUrl: z.string(),
  local: z.boolean(),
  key: KeyStatus,
  createdAt: z.number(),
});
export type Provider = z.infer<typeof Provider>;

export const KeyTestResult = z.object({
  status: z.enum(['works', 'rejected', 'unreachable', 'no-key', 'keychain-unavailable']),
  message: z.string(),
});
export type KeyTestResult = z.infer<typeof KeyTestResult>;

export const LocalServer = z.object({
  preset: z.string(),
  label: z.string(),
  baseUrl: z.string(),
  running: z.boolean(),
  models: z.array(z.string()),
  /** Id of an already configured provider pointing at this server, if any. */
  providerId: z.string().nullable(),
});
export type LocalServer = z.infer<typeof LocalServer>;

export const Token = z.object({
  name: z.string(),
  /** Last four characters of the token. */
  hint: z.string(),
  createdAt: z.number(),
  revokedAt: z.number().nullable(),
  lastUsedAt: z.number().nullable(),
  lastRequest: z.object({ ts: z.number(), model: z.string().nullable(), status: z.number().int() }).nullable(),
  requests30d: z.number().int(),
  spend30dUsd: z.number(),
});
export type Token = z.infer<typeof Token>;

export const CreatedToken = z.object({ name: z.string(), token: z.string(), hint: z.string() });
export type CreatedToken = z.infer<typeof CreatedToken>;

export const Settings = z.object({
  /** The gateway port the app uses (applies on restart). */
  port: z.number().int().min(1).max(65535),
  startAtLogin: z.boolean(),
  /** False where the shell cannot register a login item (web mode). */
  startAtLoginSupported: z.boolean(),
  /** Days request-log rows are kept; 0 keeps them forever. */
  requestLogRetentionDays: z.number().int().min(0).max(3650),
  /** Store prompts and completions of gateway traffic (off by default). */
  storePrompts: z.boolean(),
  /** Days rows are actually kept: the stricter of the setting and the policy's retention.requestLogDays (0 = forever). */
  requestLogRetentionEffectiveDays: z.number().int().min(0),
  /** Who shortens the retention below the setting ("team policy 'acme' v3"), or null. */
  requestLogRetentionLimitedBy: z.string().nullable(),
  /** False when the effective policy forbids storing prompts (retention.storePrompts: false). */
  storePromptsAllowed: z.boolean(),
  storePromptsLimitedBy: z.string().nullable(),
  /** How many requests have stored prompts and answers right now. */
  storedBodies: z.number().int().min(0),
});
export type Settings = z.infer<typeof Settings>;

/** A gateway call's stored prompt and answer (only with "Store prompts" on): masked values stay masked. */
export const StoredBodyMeta = z.object({
  requestId: z.string(),
  ts: z.number(),
  client: z.string().nullable(),
  inbound: z.string(),
  model: z.string().nullable(),
  status: z.number().int(),
  cacheHit: z.boolean(),
  truncated: z.boolean(),
});
export const StoredBody = StoredBodyMeta.extend({
  /** The request as it went upstream (JSON text), after DLP masking. */
  request: z.string(),
  /** The answer's texts (assistant text, tool-call arguments) per part, after the output scan. */
  response: z.array(z.object({ part: z.string(), text: z.string() })),
});
export type StoredBody = z.infer<typeof StoredBody>;

export const SettingsPatch = z
  .object({
    port: z.number().int().min(1024, 'Pick a port from 1024 to 65535.').max(65535, 'Pick a port from 1024 to 65535.'),
    startAtLogin: z.boolean(),
    requestLogRetentionDays: z.number().int().min(0).max(3650),
    storePrompts: z.boolean(),
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/** The gateway's advanced settings (settings key `gateway`, shared/gateway-settings.ts; also `airlock config`). */
const GatewayValuesSchema = z.object({
  maxBodyBytes: z.number().int(),
  corsOrigins: z.array(z.string()),
  timeouts: z.object({ connectMs: z.number().int(), firstByteMs: z.number().int(), idleMs: z.number().int() }),
});
export const GatewaySettingsView = z.object({
  values: GatewayValuesSchema,
  defaults: GatewayValuesSchema,
  /** Keys the user set (e.g. 'gateway.maxBodyBytes'); the others take their defaults. */
  set: z.array(z.string()),
});
export type GatewaySettingsView = z.infer<typeof GatewaySettingsView>;
/** Values as typed ("32MiB", "10s", "https://a.example, http://localhost:3000"), parsed and checked by the handler. */
export const GatewaySettingsUpdate = z
  .object({
    set: z.record(z.string().max(64), z.union([z.string().max(20_000), z.number(), z.array(z.string().max(2048)).max(1000)])).optional(),
    unset: z.array(z.string().max(64)).max(10).optional(),
  })
  .strict();

/** Live events pushed to the UI (IPC events in the desktop app, SSE at /_airlock/events in web mode). */
export const CoreEventSchema = z.object({
  kind: z.enum(['budget', 'policy', 'request', 'audit', 'dlp']),
  level: z.enum(['info', 'warn', 'error']),
  title: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export const AppEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('core'), event: CoreEventSchema }),
  z.object({ type: z.literal('gateway'), status: GatewayStatus }),
  z.object({ type: z.literal('chat'), event: ChatEvent }),
]);
export type AppEvent = z.infer<typeof AppEvent>;

const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) => ({ input, output, summary });

export const contract = {
  'app.info': method(Empty, AppInfo, 'Version, mode and where the gateway listens'),
  'gateway.status': method(Empty, GatewayStatus, 'Whether the gateway runs, and on which port'),
  'gateway.setPaused': method(z.object({ paused: z.boolean() }).strict(), GatewayStatus, 'Pause or resume the gateway (desktop)'),
  'usage.today': method(Empty, UsageToday, "Today's requests and spend"),
  'providers.presets': method(Empty, z.array(Preset), 'Known providers with their base URLs'),
  'providers.list': method(Empty, z.array(Provider), 'Configured providers with their key status'),
  'providers.add': method(
    z
      .object({
        id: ProviderId,
        preset: z.string().max(40).optional(),
        type: ProviderType.optional(),
        baseUrl: z.string().max(2048).optional(),
        key: SecretInput.optional(),
      })
      .strict(),
    Provider,
    'Add a provider (and store its key in the keychain)',
  ),
  'providers.remove': method(z.object({ id: ProviderId }).strict(), z.object({ removed: z.boolean() }), 'Remove a provider and its keys'),
  'providers.detectLocal': method(Empty, z.array(LocalServer), 'Look for Ollama and LM Studio on their default ports'),
  'models.list': method(Empty, z.array(z.string()), 'Every model the gateway can route to, as provider/model'),
  'keys.set': method(
    z.object({ providerId: ProviderId, secret: SecretInput, label: z.string().max(64).optional() }).strict(),
    Provider,
    'Store (or rotate) a provider key in the OS keychain',
  ),
  'keys.test': method(z.object({ providerId: ProviderId }).strict(), KeyTestResult, "Check a provider's key against the provider"),
  'keys.remove': method(z.object({ providerId: ProviderId }).strict(), Provider, "Delete a provider's keys from the keychain"),
  'tokens.list': method(Empty, z.array(Token), 'Tool tokens with their last request and spend'),
  'tokens.create': method(z.object({ name: TokenName }).strict(), CreatedToken, 'Create a token for a tool (shown once)'),
  'tokens.revoke': method(z.object({ name: TokenName }).strict(), z.object({ revoked: z.boolean() }), 'Revoke a tool token'),
  'settings.get': method(Empty, Settings, 'App settings'),
  'settings.update': method(SettingsPatch, Settings, 'Change app settings'),
  'settings.gateway': method(Empty, GatewaySettingsView, "The gateway's CORS origins, body cap and timeouts"),
  'settings.updateGateway': method(GatewaySettingsUpdate, GatewaySettingsView, "Change (or reset) the gateway's CORS origins, body cap and timeouts; applies to the next request"),
  'requests.body': method(z.object({ requestId: z.string().min(1).max(100) }).strict(), StoredBody, "A request's stored prompt and answer (x-airlock-request-id)"),
  'requests.bodies': method(
    z.object({ limit: z.number().int().min(1).max(500).optional(), before: z.number().optional() }).strict(),
    z.object({ bodies: z.array(StoredBodyMeta), total: z.number().int() }),
    'Requests with a stored prompt and answer, newest first',
  ),
  ...chatMethods,
  ...governanceMethods,
  ...dashboardMethods,
} as const;

export type Contract = typeof contract;
export type Method = keyof Contract;
export type Input<M extends Method> = z.input<Contract[M]['input']>;
export type Output<M extends Method> = z.output<Contract[M]['output']>;
export const METHODS = Object.keys(contract) as Method[];
