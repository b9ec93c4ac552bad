import type { Command } from './types.ts';
import { serveCommand } from './serve.ts';
import { providerCommand } from './provider.ts';
import { tokenCommand } from './token.ts';
import { usageCommand } from './usage.ts';
import { budgetCommand } from './budget.ts';
import { limitCommand } from './limit.ts';
import { policyCommand } from './policy.ts';
import { auditCommand } from './audit.ts';
import { keyCommand } from './key.ts';
import { uiUrlCommand } from './ui-url.ts';
import { modelCommand } from './model.ts';
import { routeCommand } from './route.ts';
import { cacheCommand } from './cache.ts';
import { dlpCommand } from './dlp.ts';
import { requestsCommand } from './requests.ts';
import { configCommand } from './config.ts';

/** Every `airlock <command>`. New commands register here. */
export const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  provider: providerCommand,
  key: keyCommand,
  token: tokenCommand,
  usage: usageCommand,
  budget: budgetCommand,
  limit: limitCommand,
  policy: policyCommand,
  audit: auditCommand,
  'ui-url': uiUrlCommand,
  model: modelCommand,
  route: routeCommand,
  cache: cacheCommand,
  dlp: dlpCommand,
  requests: requestsCommand,
  config: configCommand,
};
