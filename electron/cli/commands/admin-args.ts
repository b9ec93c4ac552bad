import { UserError } from '../../core/util/errors.ts';
import { ManagedRefusalError, NotFoundError } from '../../core/budget/admin.ts';

/**
 * Runs a budget or rate-limit admin call (core/budget/admin.ts) for the CLI: bad input exits 2; a budget or
 * limit that does not exist, or one the team policy manages, exits 1.
 */
export function adminCall<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError((err as Error).message, err instanceof NotFoundError || err instanceof ManagedRefusalError ? 1 : 2);
  }
}

/** The --scope a `set` subcommand requires, with no stray arguments beside it (usage errors, exit 2). */
export function requireScope(values: { scope?: string }, positionals: string[], usage: string): string {
  if (positionals.length) throw new UserError(`Unexpected argument '${positionals[0]}'.\n\n${usage}`, 2);
  if (!values.scope) throw new UserError(`Missing --scope.\n\n${usage}`, 2);
  return values.scope;
}
