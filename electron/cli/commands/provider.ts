import type { Command } from './types.ts';
import { parse, requirePositional } from '../args.ts';
import { table } from '../context.ts';
import { UserError } from '../../core/util/errors.ts';
import { PRESETS, findPreset, normaliseBaseUrl, type ProviderType } from '../../core/providers/presets.ts';
import { describeKey } from './key-status.ts';
import type { Core } from '../../core/core.ts';
import { SecretStoreUnavailableError } from '../../core/secrets/secret-store.ts';
import { toRuntime } from '../../core/providers/registry.ts';

/** 'an openai-compatible', 'an anthropic', 'a gemini'. */
const article = (word: string) => (/^[aeio]/i.test(word) ? `an ${word}` : `a ${word}`);

/** A valid id close to what was typed ('Foo/bar' -> 'foo-bar'), or null when nothing usable is left. */
function suggestId(raw: string): string | null {
  const s = raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 40)
    .replace(/[-._]+$/, '');
  return ID_RE.test(s) ? s : null;
}

async function removeKeys(core: Core, id: string): Promise<void> {
  try {
    await core.keys.remove(id);
  } catch (err) {
    if (err instanceof SecretStoreUnavailableError) throw new UserError(`${err.message} Nothing was removed.`);
    throw err;
  }
}

const USAGE = `Usage:
  airlock provider add <id> [--type openai|openai-compatible|anthropic|gemini] [--preset NAME] [--base-url URL] [--key-env VAR] [--models a,b] [--json]
  airlock provider list [--json]
  airlock provider remove <id>

Presets (fill --type and --base-url): ${PRESETS.map((p) => p.id).join(', ')}.
An <id> that names a preset uses it, e.g. \`airlock provider add openai --key-env OPENAI_API_KEY\`.
--key-env names an environment variable read at request time; its value is never written to disk.`;

const TYPES: ProviderType[] = ['openai', 'openai-compatible', 'anthropic', 'gemini'];
const ID_RE = /^[a-z0-9][a-z0-9._-]{0,39}$/;

export const providerCommand: Command = {
  summary: 'add, list and remove upstream AI providers',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { io } = ctx;
    if (sub === 'add') {
      const { values, positionals } = parse(
        rest,
        { type: { type: 'string' }, preset: { type: 'string' }, 'base-url': { type: 'string' }, 'key-env': { type: 'string' }, models: { type: 'string' }, json: { type: 'boolean' } },
        USAGE,
      );
      const id = requirePositional(positionals, 0, 'provider id', USAGE);
      if (!ID_RE.test(id)) {
        const ok = suggestId(id);
        throw new UserError(
          `Provider id '${id}' is not valid: use up to 40 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit (it becomes the prefix of model names, as in '${ok ?? 'my-provider'}/gpt-4o').${ok ? ` Try '${ok}'.` : ''}`,
          2,
        );
      }
      const preset = findPreset(values.preset ?? id);
      if (values.preset && !preset) throw new UserError(`Unknown preset '${values.preset}'. Presets: ${PRESETS.map((p) => p.id).join(', ')}.`, 2);
      const type = (values.type ?? preset?.type) as ProviderType | undefined;
      if (!type) throw new UserError(`'${id}' is not a preset, so --type is needed (${TYPES.join(', ')}), with --base-url.`, 2);
      if (!TYPES.includes(type)) throw new UserError(`Unknown --type '${type}'. Use one of: ${TYPES.join(', ')}.`, 2);
      const rawUrl = values['base-url'] ?? preset?.baseUrl;
      if (!rawUrl) throw new UserError(`--base-url is needed for ${article(type)} provider that is not a preset (e.g. --base-url https://api.example.com/v1).`, 2);
      let baseUrl: string;
      try {
        baseUrl = normaliseBaseUrl(rawUrl);
      } catch (err) {
        throw new UserError((err as Error).message, 2);
      }
      const keyEnv = values['key-env'] ?? null;
      if (keyEnv !== null && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(keyEnv)) {
        throw new UserError(`--key-env takes the NAME of an environment variable (like OPENAI_API_KEY), not a key.`, 2);
      }
      const core = ctx.core();
      if (core.providers.get(id)) throw new UserError(`Provider '${id}' already exists. Remove it first with \`airlock provider remove ${id}\`.`);
      const options: Record<string, unknown> = {};
      if (values.models) options.models = values.models.split(',').map((s) => s.trim()).filter(Boolean);
      const rec = core.providers.add({ id, type, preset: preset?.id ?? null, baseUrl, keyEnv, options });
      if (values.json) io.out(JSON.stringify({ id: rec.id, type: rec.type, preset: rec.preset, base_url: rec.baseUrl, key_env: rec.keyEnv }));
      else {
        io.out(`Added provider '${id}' (${type}, ${baseUrl}).`);
        if (!keyEnv && toRuntime(rec).local) io.out(`It runs on this machine, so no key is needed; if your server wants one, \`airlock key set ${id}\`.`);
        else if (!keyEnv) io.out(`Next: store its key with \`airlock key set ${id}\` (or re-add it with --key-env VAR).`);
        io.out(`Models are addressed as '${id}/<model>'.`);
      }
      return 0;
    }
    if (sub === 'list' || sub === 'ls') {
      const { values } = parse(rest, { json: { type: 'boolean' } }, USAGE);
      const core = ctx.core();
      const list = core.providers.list();
      const withKeys = await Promise.all(list.map(async (p) => ({ p, key: await describeKey(ctx, p) })));
      if (values.json) {
        io.out(JSON.stringify(withKeys.map(({ p, key }) => ({ id: p.id, type: p.type, preset: p.preset, base_url: p.baseUrl, key_env: p.keyEnv, key }))));
        return 0;
      }
      if (list.length === 0) {
        io.out('No providers yet. Add one with `airlock provider add openai --key-env OPENAI_API_KEY`.');
        return 0;
      }
      io.out(table([['ID', 'TYPE', 'BASE URL', 'KEY'], ...withKeys.map(({ p, key }) => [p.id, p.type, p.baseUrl, `key: ${key}`])]));
      return 0;
    }
    if (sub === 'remove' || sub === 'rm') {
      const { positionals } = parse(rest, {}, USAGE);
      const id = requirePositional(positionals, 0, 'provider id', USAGE);
      const core = ctx.core();
      if (!core.providers.get(id)) throw new UserError(`No provider named '${id}'. See \`airlock provider list\`.`);
      // Its keychain items go first: a locked keychain leaves the provider and its keys as they were.
      const keys = core.keys.repo.list(id).length;
      if (keys > 0) await removeKeys(core, id);
      core.providers.remove(id);
      io.out(`Removed provider '${id}'${keys ? ` and its ${keys === 1 ? 'key' : `${keys} keys`} from the keychain` : ''}.`);
      return 0;
    }
    throw new UserError(sub ? `Unknown subcommand 'provider ${sub}'.\n\n${USAGE}` : USAGE, 2);
  },
};
