import type { CliContext } from '../context.ts';

export interface Command {
  /** One line for `airlock help`. */
  summary: string;
  /** Full usage text for `airlock <cmd> --help`. */
  usage: string;
  /** Returns the exit code. */
  run(args: string[], ctx: CliContext): Promise<number>;
}
