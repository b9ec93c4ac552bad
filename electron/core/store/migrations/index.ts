import m001 from './001_init.ts';

/** Numbered migrations, applied in order, each once. Append only: never edit a shipped migration. */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  { version: 1, name: 'init', sql: m001 },
];
