// Copy-paste setup for each tool, with the gateway's real URL and the tool's token. Pure: tested under Node.

export interface SnippetInput {
  /** OpenAI-style base URL, e.g. http://127.0.0.1:4789/v1 */
  baseUrl: string;
  /** The origin, e.g. http://127.0.0.1:4789 (Anthropic clients add /v1/messages). */
  origin: string;
  token: string;
  model: string;
}

export interface Tool {
  id: string;
  label: string;
  language: string;
  /** Where the snippet goes. */
  where: string;
  note?: string;
  snippet(i: SnippetInput): string;
}

export const TOOLS: Tool[] = [
  {
    id: 'openai-python',
    label: 'OpenAI SDK (Python)',
    language: 'python',
    where: 'In your Python code (pip install openai):',
    snippet: (i) => `from openai import OpenAI

client = OpenAI(
    base_url="${i.baseUrl}",
    api_key="${i.token}",
)

reply = client.chat.completions.create(
    model="${i.model}",
    messages=[{"role": "user", "content": "Hello!"}],
)
print(reply.choices[0].message.content)`,
  },
  {
    id: 'openai-js',
    label: 'OpenAI SDK (JS)',
    language: 'javascript',
    where: 'In your JavaScript or TypeScript code (npm install openai):',
    snippet: (i) => `import OpenAI from "openai";

const client = new OpenAI({
  baseURL: "${i.baseUrl}",
  apiKey: "${i.token}",
});

const reply = await client.chat.completions.create({
  model: "${i.model}",
  messages: [{ role: "user", content: "Hello!" }],
});
console.log(reply.choices[0].message.content);`,
  },
  {
    id: 'curl',
    label: 'curl',
    language: 'shell',
    where: 'In a terminal:',
    snippet: (i) => `curl ${i.baseUrl}/chat/completions \\
  -H "Authorization: Bearer ${i.token}" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "${i.model}", "messages": [{"role": "user", "content": "Hello!"}]}'`,
  },
  {
    id: 'cursor',
    label: 'Cursor',
    language: 'text',
    where: 'Cursor → Settings → Models → OpenAI API Key:',
    note: "Cursor sends custom-endpoint requests from its own servers, which cannot reach 127.0.0.1 on your machine; use a tunnel you trust, or use Cursor's own models.",
    snippet: (i) => `OpenAI API Key:            ${i.token}
Override OpenAI Base URL:  ${i.baseUrl}
Model name to add:         ${i.model}`,
  },
  {
    id: 'continue',
    label: 'Continue',
    language: 'yaml',
    where: 'In ~/.continue/config.yaml:',
    snippet: (i) => `models:
  - name: Airlock (${i.model})
    provider: openai
    model: ${i.model}
    apiBase: ${i.baseUrl}
    apiKey: ${i.token}`,
  },
  {
    id: 'aider',
    label: 'aider',
    language: 'shell',
    where: 'In a terminal:',
    snippet: (i) => `export OPENAI_API_BASE=${i.baseUrl}
export OPENAI_API_KEY=${i.token}
aider --model openai/${i.model}`,
  },
  {
    id: 'claude-code',
    label: 'Claude Code',
    language: 'shell',
    where: 'In the shell you start Claude Code from:',
    note: 'Claude Code speaks the Anthropic Messages API; Airlock serves it at /v1/messages on the same port.',
    snippet: (i) => `export ANTHROPIC_BASE_URL=${i.origin}
export ANTHROPIC_AUTH_TOKEN=${i.token}
claude`,
  },
];

export const TOKEN_PLACEHOLDER = 'YOUR_AIRLOCK_TOKEN';
export const MODEL_PLACEHOLDER = '<provider>/<model>';

/** A default token name for a tool, unique among existing names. */
export function tokenNameFor(toolId: string, taken: string[]): string {
  const base = toolId.replace(/^openai-/, 'sdk-');
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) if (!taken.includes(`${base}-${n}`)) return `${base}-${n}`;
}
