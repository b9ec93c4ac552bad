import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import { openDatabase, type DB } from './store/db.ts';
import { databasePath } from './paths.ts';
import { ProvidersRepo } from './store/providers-repo.ts';
import { ClientsRepo, hashToken, type ClientRecord } from './store/clients-repo.ts';
import { SettingsRepo } from './store/settings-repo.ts';
import { RequestLog } from './store/requests-repo.ts';
import { BudgetService } from './budget/service.ts';
import { toRuntime, type ProviderRuntime } from './providers/registry.ts';
import type { SecretStore } from './secrets/secret-store.ts';
import { KeyService } from './secrets/keys-service.ts';
import { mergeGatewaySettings, type GatewaySettings } from './config.ts';
import type { Policy } from '../../shared/policy.ts';
import { PolicyService } from './policy/service.ts';
import { AuditLog } from './audit/log.ts';
import { AnalyticsService } from './analytics/service.ts';

/** What the shell (Electron main, or the CLI) hands to core. */
export interface CoreDeps {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** The OS keychain adapter; null where none is available (keys then come from the environment only). */
  secrets?: SecretStore | null;
  /** The analytics worker script for bundled builds (electron/core/analytics/worker.ts built to .js); default: the .ts source. */
  analyticsWorkerPath?: string | URL;
  /** The audit-verify worker script for bundled builds (electron/core/api/governance-verify-worker.ts built to .js). */
  auditVerifyWorkerPath?: string | URL;
}

/**
 * The configuration the gateway reads on every request, kept in memory and reloaded only when the
 * database changed: writes from another process (the CLI) bump SQLite's data_version; writes in this
 * process call invalidate().
 */
export class LiveConfig {
  private readonly db: DB;
  private readonly dataVersion;
  private version = -1;
  private stale = true;
  /** Bumped on every reload, so other in-memory caches (budgets) know the database changed without their own PRAGMA read. */
  generation = 0;
  providers = new Map<string, ProviderRuntime>();
  clients: ClientRecord[] = [];
  gateway: GatewaySettings = mergeGatewaySettings(undefined);

  private readonly repos: { providers: ProvidersRepo; clients: ClientsRepo; settings: SettingsRepo };

  constructor(db: DB, repos: { providers: ProvidersRepo; clients: ClientsRepo; settings: SettingsRepo }) {
    this.db = db;
    this.repos = repos;
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  invalidate(): void {
    this.stale = true;
  }

  private checkedAt = -Infinity;

  /**
   * Cheap when nothing changed: one PRAGMA read, at most once per millisecond (a request asks several times:
   * the gateway, routing, budgets). Writes made in this process mark the config stale and reload at once.
   */
  refresh(): this {
    const now = performance.now();
    if (!this.stale && now - this.checkedAt < 1) return this;
    this.checkedAt = now;
    const v = this.dataVersion.get() as number;
    if (v === this.version && !this.stale) return this;
    this.version = v;
    this.stale = false;
    this.generation++;
    const providers = new Map<string, ProviderRuntime>();
    for (const rec of this.repos.providers.list()) {
      try {
        providers.set(rec.id, toRuntime(rec));
      } catch (err) {
        console.error(`airlock: provider '${rec.id}' is misconfigured and was skipped: ${(err as Error).message}`);
      }
    }
    this.providers = providers;
    this.clients = this.repos.clients.active();
    this.gateway = mergeGatewaySettings(this.repos.settings.get<Partial<GatewaySettings> | undefined>('gateway', undefined));
    return this;
  }

  /** Finds the client a token belongs to, comparing SHA-256 digests in constant time. */
  authenticate(token: string): ClientRecord | null {
    const digest = hashToken(token);
    let found: ClientRecord | null = null;
    // Every active client is compared, match or not, so timing does not reveal which one matched.
    for (const c of this.clients) {
      if (c.tokenHash.length === digest.length && crypto.timingSafeEqual(c.tokenHash, digest)) found = c;
    }
    return found;
  }
}

/**
 * Events core emits for the shell to surface (desktop notifications, live dashboard):
 * 'budget' (threshold crossed / limit hit), 'policy' (installed / refused), 'request' (a row was written).
 */
export interface CoreEvent {
  kind: 'budget' | 'policy' | 'request' | 'audit' | 'dlp';
  level: 'info' | 'warn' | 'error';
  title: string;
  message: string;
  data?: Record<string, unknown>;
}

/** The team policy in force. The policy issue replaces the unmanaged default with the verified bundle. */
export interface PolicySource {
  /** The managed (signed team) policy, or null when this install is not managed. */
  managed(): Policy | null;
  /** Who manages it, for messages like "blocked by team policy 'acme' v12". */
  managedBy(): string | null;
  /** Set when a trust anchor exists but no valid bundle does: provider calls are refused with this reason. */
  failClosedReason?(): string | null;
}

/** Append-only audit trail. Entries hold types and counts, never secret values or prompts. */
export interface AuditSink {
  append(type: string, data: Record<string, unknown>): void;
}

export class Core {
  readonly dataDir: string;
  /** The team policy in force (policy/service.ts). Tests may swap in a stub PolicySource. */
  policy: PolicySource;
  /** The hash-chained audit log (audit/log.ts). Tests may swap in a stub AuditSink. */
  audit: AuditSink;
  /** Signed team policy: install, verify, status, user policy, effective policy (electron/core/policy/service.ts). */
  readonly policyService: PolicyService;
  /** Audit entries, checkpoints, verify, export (electron/core/audit/log.ts). */
  readonly auditLog: AuditLog;
  /** Emits 'event' with a CoreEvent. */
  readonly events = new EventEmitter();
  readonly env: NodeJS.ProcessEnv;
  readonly secrets: SecretStore | null;
  readonly db: DB;
  readonly providers: ProvidersRepo;
  readonly clients: ClientsRepo;
  readonly settings: SettingsRepo;
  readonly requestLog: RequestLog;
  /** Provider keys: bytes in the OS keychain, metadata in SQLite (electron/core/secrets/keys-service.ts). */
  readonly keys: KeyService;
  readonly live: LiveConfig;
  /** Budgets, spend and rate limits (electron/core/budget/service.ts). */
  readonly budgets: BudgetService;
  private readonly usedClients = new Set<number>();
  private lastTouch = 0;
  private analyticsService: AnalyticsService | null = null;
  private readonly analyticsWorkerPath: string | URL | undefined;
  /** Where the audit-verify worker script is in a bundled build; undefined: the .ts source beside governance.ts. */
  readonly auditVerifyWorkerPath: string | URL | undefined;

  constructor(deps: CoreDeps) {
    this.dataDir = deps.dataDir;
    this.env = deps.env ?? process.env;
    this.secrets = deps.secrets ?? null;
    this.analyticsWorkerPath = deps.analyticsWorkerPath;
    this.auditVerifyWorkerPath = deps.auditVerifyWorkerPath;
    this.db = openDatabase(databasePath(deps.dataDir));
    this.providers = new ProvidersRepo(this.db);
    this.clients = new ClientsRepo(this.db);
    this.settings = new SettingsRepo(this.db);
    this.requestLog = new RequestLog(this.db);
    this.auditLog = new AuditLog(this.db, { dataDir: deps.dataDir, secrets: this.secrets, retentionDays: () => this.policyService.effective().retention?.auditDays });
    this.audit = this.auditLog;
    this.policyService = new PolicyService(this);
    this.policy = this.policyService;
    this.keys = new KeyService(this);
    this.live = new LiveConfig(this.db, this);
    this.budgets = new BudgetService(this);
    const invalidate = () => this.live.invalidate();
    this.providers.onChange = invalidate;
    this.clients.onChange = invalidate;
    this.settings.onChange = invalidate;
    const audit = (type: string, data: Record<string, unknown>) => this.audit.append(type, data);
    this.providers.onAudit = audit;
    this.clients.onAudit = audit;
    this.settings.onAudit = audit;
    // The user's policy settings feed the effective policy.
    this.settings.onChange = () => {
      invalidate();
      this.policyService.invalidate();
    };
    // last_used_at is written with the request log's batch, not on the hot path.
    this.requestLog.onFlush = () => {
      const now = Date.now();
      // Minute precision is enough for "last used": one small write per minute at most.
      if (this.usedClients.size === 0 || now - this.lastTouch < 60_000) return;
      this.lastTouch = now;
      const ids = [...this.usedClients];
      this.usedClients.clear();
      this.clients.touch(ids, now);
    };
  }

  emit(e: CoreEvent): void {
    this.events.emit('event', e);
  }

  /**
   * Dashboard queries, request log and CSV export on a worker thread with its own read-only connection; the same
   * worker keeps the rollup current (electron/core/analytics, docs/dashboard.md). Started on first use; a
   * long-running shell (the app, `airlock serve`) calls startAnalytics() at start so the rollup never lags.
   */
  get analytics(): AnalyticsService {
    this.analyticsService ??= new AnalyticsService({ dbFile: databasePath(this.dataDir), workerPath: this.analyticsWorkerPath });
    return this.analyticsService;
  }

  startAnalytics(): AnalyticsService {
    this.analytics.start();
    return this.analytics;
  }

  markClientUsed(id: number): void {
    this.usedClients.add(id);
  }

  close(): void {
    this.lastTouch = 0;
    void this.analyticsService?.close();
    this.analyticsService = null;
    this.requestLog.flush();
    if (this.db.open) this.budgets.flush();
    if (this.db.open) this.auditLog.close();
    if (this.db.open) this.db.close();
  }
}
