import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../core/util/errors.ts';

/** node:util parseArgs with errors a person can read (unknown flags, missing values). */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UserError(`${(err as Error).message.replace(/\. To specify.*$/s, '.')}\n\n${usage}`, 2);
  }
}

export function requirePositional(positionals: string[], index: number, what: string, usage: string): string {
  const v = positionals[index];
  if (!v) throw new UserError(`Missing ${what}.\n\n${usage}`, 2);
  return v;
}
