import type { DlpAction } from '../../../shared/policy.ts';

export type { DlpAction };

/** One thing found in a text. Offsets are UTF-16 indices into the scanned string (the CLI converts). */
export interface Finding {
  type: string;
  start: number;
  end: number;
  /** The rule that fired (a built-in detector id or a custom rule id). */
  rule: string;
  /** Prompt-shield findings only: 0..1. */
  score?: number;
}

export type Category = 'contact' | 'financial' | 'government' | 'network' | 'secret' | 'identity' | 'shield' | 'custom';

export interface TypeInfo {
  type: string;
  category: Category;
  /** The action when neither the user nor a team policy set one. */
  defaultAction: DlpAction;
  description: string;
}

/** Every built-in type, with its default action (secrets and financial/government ids masked; the rest logged). */
export const BUILTIN_TYPES: TypeInfo[] = [
  { type: 'EMAIL', category: 'contact', defaultAction: 'warn', description: 'e-mail addresses' },
  { type: 'PHONE', category: 'contact', defaultAction: 'warn', description: 'phone numbers (international +CC form; national forms of US/CA, UK, FR, DE, ES, IT, NL, BE, CH), validated with libphonenumber' },
  { type: 'CREDIT_CARD', category: 'financial', defaultAction: 'mask', description: 'payment card numbers (Luhn + issuer ranges; plain, spaced or dashed)' },
  { type: 'IBAN', category: 'financial', defaultAction: 'mask', description: 'IBANs (per-country length + mod-97 check)' },
  { type: 'US_SSN', category: 'government', defaultAction: 'mask', description: 'US social security numbers (valid area/group/serial ranges)' },
  { type: 'UK_NINO', category: 'government', defaultAction: 'mask', description: 'UK National Insurance numbers (valid prefixes and suffix)' },
  { type: 'FR_INSEE', category: 'government', defaultAction: 'mask', description: 'French INSEE / social security numbers (mod-97 key)' },
  { type: 'ES_DNI', category: 'government', defaultAction: 'mask', description: 'Spanish DNI (NIF) numbers (check letter)' },
  { type: 'ES_NIE', category: 'government', defaultAction: 'mask', description: 'Spanish NIE numbers (check letter)' },
  { type: 'IP_ADDRESS', category: 'network', defaultAction: 'warn', description: 'IPv4 and IPv6 addresses' },
  { type: 'OPENAI_KEY', category: 'secret', defaultAction: 'mask', description: 'OpenAI API keys (sk-proj-, sk-svcacct-, sk-admin-, legacy sk-)' },
  { type: 'ANTHROPIC_KEY', category: 'secret', defaultAction: 'mask', description: 'Anthropic API keys (sk-ant-api03-, sk-ant-admin01-)' },
  { type: 'AWS_ACCESS_KEY', category: 'secret', defaultAction: 'mask', description: 'AWS access key ids (AKIA/ASIA...)' },
  { type: 'AWS_SECRET_KEY', category: 'secret', defaultAction: 'mask', description: 'AWS secret access keys (40 chars next to a secret-key name)' },
  { type: 'GCP_API_KEY', category: 'secret', defaultAction: 'mask', description: 'Google Cloud / Gemini API keys (AIza...)' },
  { type: 'GITHUB_TOKEN', category: 'secret', defaultAction: 'mask', description: 'GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)' },
  { type: 'SLACK_TOKEN', category: 'secret', defaultAction: 'mask', description: 'Slack tokens (xoxb-, xoxp-, xapp-...) and incoming-webhook URLs' },
  { type: 'STRIPE_KEY', category: 'secret', defaultAction: 'mask', description: 'Stripe secret and restricted keys, webhook secrets' },
  { type: 'JWT', category: 'secret', defaultAction: 'mask', description: 'JSON Web Tokens' },
  { type: 'PRIVATE_KEY', category: 'secret', defaultAction: 'mask', description: 'PEM / OpenSSH / PGP private key blocks' },
  { type: 'CONNECTION_STRING', category: 'secret', defaultAction: 'mask', description: 'passwords inside URLs (scheme://user:pass@host) and connection strings (Password=...)' },
  { type: 'GENERIC_SECRET', category: 'secret', defaultAction: 'mask', description: 'high-entropy values assigned to key-like names (api_key=, secret:, token=, password=)' },
  { type: 'PERSON_NAME', category: 'identity', defaultAction: 'allow', description: 'person names after cues (Mr/Ms/Dr, Dear, Name:, From:, sign-offs); off by default' },
  { type: 'STREET_ADDRESS', category: 'identity', defaultAction: 'allow', description: 'street addresses (US/UK number+street+suffix, FR rue/avenue, DE -straße, ES calle) and UK postcodes; off by default' },
  { type: 'PROMPT_INJECTION', category: 'shield', defaultAction: 'warn', description: 'prompt-injection attempts in user input and tool results (offline lexical classifier)' },
  { type: 'JAILBREAK', category: 'shield', defaultAction: 'warn', description: 'jailbreak attempts (persona / no-rules role-play, developer mode, DAN)' },
];

export const TYPE_INFO = new Map(BUILTIN_TYPES.map((t) => [t.type, t]));

export const ACTIONS: DlpAction[] = ['allow', 'warn', 'mask', 'redact', 'block'];
const RANK: Record<DlpAction, number> = { allow: 0, warn: 1, mask: 2, redact: 3, block: 4 };

export function isAction(s: string): s is DlpAction {
  return (ACTIONS as string[]).includes(s);
}

export function actionRank(a: DlpAction): number {
  return RANK[a];
}

/** The stricter of two actions (allow < warn < mask < redact < block). */
export function stricter(a: DlpAction | undefined, b: DlpAction | undefined): DlpAction | undefined {
  if (!a) return b;
  if (!b) return a;
  return RANK[a] >= RANK[b] ? a : b;
}
