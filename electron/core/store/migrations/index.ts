import m001 from './001_init.ts';
import m002 from './002_provider_keys.ts';
import m003 from './003_budgets.ts';
import m004 from './004_policy_audit.ts';
import m005 from './005_routing_cache.ts';
import m006 from './006_chat.ts';
import m007 from './007_analytics.ts';
import m008 from './008_semantic_cache.ts';
import m009 from './009_request_bodies.ts';

/** Numbered migrations, applied in order, each once. Append only: never edit a shipped migration. */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  { version: 1, name: 'init', sql: m001 },
  { version: 2, name: 'provider_keys', sql: m002 },
  { version: 3, name: 'budgets', sql: m003 },
  { version: 4, name: 'policy_audit', sql: m004 },
  { version: 5, name: 'routing_cache', sql: m005 },
  { version: 6, name: 'chat', sql: m006 },
  { version: 7, name: 'analytics', sql: m007 },
  { version: 8, name: 'semantic_cache', sql: m008 },
  { version: 9, name: 'request_bodies', sql: m009 },
];
