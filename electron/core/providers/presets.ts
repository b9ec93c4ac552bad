/** Wire protocol an upstream speaks. Issue-level adapters (anthropic, gemini) extend this union. */
export type ProviderType = 'openai' | 'openai-compatible' | 'anthropic' | 'gemini';

export interface ProviderPreset {
  id: string;
  label: string;
  type: ProviderType;
  baseUrl: string;
  /** The provider name used by the pricing catalog (LiteLLM's `litellm_provider`). */
  catalogProvider: string;
  /** Runs on this machine: no key needed, price 0 by default. */
  local?: boolean;
  keyEnvHint?: string;
}

export const PRESETS: ProviderPreset[] = [
  { id: 'openai', label: 'OpenAI', type: 'openai', baseUrl: 'https://api.openai.com/v1', catalogProvider: 'openai', keyEnvHint: 'OPENAI_API_KEY' },
  { id: 'anthropic', label: 'Anthropic', type: 'anthropic', baseUrl: 'https://api.anthropic.com/v1', catalogProvider: 'anthropic', keyEnvHint: 'ANTHROPIC_API_KEY' },
  { id: 'gemini', label: 'Google Gemini', type: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com/v1beta', catalogProvider: 'gemini', keyEnvHint: 'GEMINI_API_KEY' },
  { id: 'deepseek', label: 'DeepSeek', type: 'openai-compatible', baseUrl: 'https://api.deepseek.com/v1', catalogProvider: 'deepseek', keyEnvHint: 'DEEPSEEK_API_KEY' },
  { id: 'mistral', label: 'Mistral', type: 'openai-compatible', baseUrl: 'https://api.mistral.ai/v1', catalogProvider: 'mistral', keyEnvHint: 'MISTRAL_API_KEY' },
  { id: 'groq', label: 'Groq', type: 'openai-compatible', baseUrl: 'https://api.groq.com/openai/v1', catalogProvider: 'groq', keyEnvHint: 'GROQ_API_KEY' },
  { id: 'openrouter', label: 'OpenRouter', type: 'openai-compatible', baseUrl: 'https://openrouter.ai/api/v1', catalogProvider: 'openrouter', keyEnvHint: 'OPENROUTER_API_KEY' },
  { id: 'xai', label: 'xAI', type: 'openai-compatible', baseUrl: 'https://api.x.ai/v1', catalogProvider: 'xai', keyEnvHint: 'XAI_API_KEY' },
  { id: 'together', label: 'Together AI', type: 'openai-compatible', baseUrl: 'https://api.together.xyz/v1', catalogProvider: 'together_ai', keyEnvHint: 'TOGETHER_API_KEY' },
  { id: 'ollama', label: 'Ollama', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1', catalogProvider: 'ollama', local: true },
  { id: 'lmstudio', label: 'LM Studio', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1234/v1', catalogProvider: 'lm_studio', local: true },
];

/** Accepts a few spellings people use for the same preset. */
const ALIASES: Record<string, string> = { claude: 'anthropic', google: 'gemini', 'lm-studio': 'lmstudio', lm_studio: 'lmstudio', 'together-ai': 'together', together_ai: 'together', grok: 'xai' };

export function findPreset(name: string | undefined | null): ProviderPreset | undefined {
  if (!name) return undefined;
  const key = name.toLowerCase();
  return PRESETS.find((p) => p.id === (ALIASES[key] ?? key));
}

/** Parses and normalises a base URL: http(s) only, no credentials, no query, no trailing slash. */
export function normaliseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`'${raw}' is not a valid URL (expected e.g. https://api.example.com/v1).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`Base URL must be http or https, not ${url.protocol}`);
  if (url.username || url.password) throw new Error('Base URL must not contain credentials; use a key instead.');
  if (url.search || url.hash) throw new Error('Base URL must not contain a query string or fragment.');
  return url.toString().replace(/\/+$/, '');
}
