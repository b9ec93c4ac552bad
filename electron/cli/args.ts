import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../core/util/errors.ts';

/**
 * `--limit-usd -5`: parseArgs takes '-5' for a flag and calls the value ambiguous. A negative number after a flag
 * that takes a value is that flag's value, so the command can say what is wrong with it ("must be ... 0 or more").
 */
function joinNegativeValues(args: string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return out.concat(args.slice(i));
    const next = args[i + 1];
    if (a.startsWith('--') && !a.includes('=') && options[a.slice(2)]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** node:util parseArgs with errors a person can read (unknown flags, missing values). */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UserError(`${(err as Error).message.replace(/\. To specify.*$/s, '.')}\n\n${usage}`, 2);
  }
}

export function requirePositional(positionals: string[], index: number, what: string, usage: string): string {
  const v = positionals[index];
  if (!v) throw new UserError(`Missing ${what}.\n\n${usage}`, 2);
  return v;
}

/** A whole-number flag value of at least `min`; a usage error (exit 2) that states the rule otherwise. */
export function wholeNumber(raw: string | undefined, flag: string, min = 1): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new UserError(`${flag} must be a whole number of ${min} or more (got '${raw}').`, 2);
  return n;
}
