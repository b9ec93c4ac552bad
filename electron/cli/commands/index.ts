import type { Command } from './types.ts';
import { serveCommand } from './serve.ts';
import { providerCommand } from './provider.ts';
import { tokenCommand } from './token.ts';
import { usageCommand } from './usage.ts';

/** Every `airlock <command>`. New commands register here. */
export const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  provider: providerCommand,
  token: tokenCommand,
  usage: usageCommand,
};
