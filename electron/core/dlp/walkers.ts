// Per-protocol walkers over every text a provider would see in a request body: system prompts, user and
// assistant messages, content parts, tool results and tool-call arguments. Each calls visit(text, kind) and
// writes back what it returns, so one walker serves both scanning and masking (in place, in ctx.body).

export type TextKind = 'system' | 'user' | 'assistant' | 'tool' | 'tool_args' | 'input';
export type Visit = (text: string, kind: TextKind) => string;
type Obj = Record<string, any>;

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** Every string leaf of a JSON value (tool-call inputs), rewritten in place. */
function walkJsonValue(v: unknown, kind: TextKind, visit: Visit): unknown {
  if (typeof v === 'string') return visit(v, kind);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = walkJsonValue(v[i], kind, visit);
    return v;
  }
  if (isObj(v)) {
    for (const k of Object.keys(v)) v[k] = walkJsonValue(v[k], kind, visit);
    return v;
  }
  return v;
}

/** Tool-call arguments as a JSON string: parsed, string leaves visited, re-serialised only if something changed. */
function walkJsonString(s: string, visit: Visit): string {
  let j: unknown;
  try {
    j = JSON.parse(s);
  } catch {
    return visit(s, 'tool_args');
  }
  if (typeof j !== 'object' || j === null) return visit(s, 'tool_args');
  let changed = false;
  walkJsonValue(j, 'tool_args', (t, k) => {
    const r = visit(t, k);
    if (r !== t) changed = true;
    return r;
  });
  return changed ? JSON.stringify(j) : s;
}

// ---------- OpenAI Chat Completions ----------

function chatRoleKind(role: unknown): TextKind {
  if (role === 'system' || role === 'developer') return 'system';
  if (role === 'assistant') return 'assistant';
  if (role === 'tool' || role === 'function') return 'tool';
  return 'user';
}

function walkChatContent(m: Obj, kind: TextKind, visit: Visit): void {
  const c = m.content;
  if (typeof c === 'string') m.content = visit(c, kind);
  else if (Array.isArray(c)) {
    for (const p of c) {
      if (!isObj(p)) continue;
      if (typeof p.text === 'string') p.text = visit(p.text, kind);
      if (typeof p.refusal === 'string') p.refusal = visit(p.refusal, kind);
      // input_audio / image_url / file parts carry no text to scan.
    }
  }
}

export function walkOpenAIChat(body: Obj, visit: Visit): void {
  const msgs = body.messages;
  if (!Array.isArray(msgs)) return;
  for (const m of msgs) {
    if (!isObj(m)) continue;
    const kind = chatRoleKind(m.role);
    walkChatContent(m, kind, visit);
    if (Array.isArray(m.tool_calls)) {
      for (const tc of m.tool_calls) {
        if (isObj(tc?.function) && typeof tc.function.arguments === 'string') tc.function.arguments = walkJsonString(tc.function.arguments, visit);
        if (isObj(tc?.custom) && typeof tc.custom.input === 'string') tc.custom.input = visit(tc.custom.input, 'tool_args');
      }
    }
    if (isObj(m.function_call) && typeof m.function_call.arguments === 'string') m.function_call.arguments = walkJsonString(m.function_call.arguments, visit);
  }
}

// ---------- OpenAI Embeddings ----------

export function walkOpenAIEmbeddings(body: Obj, visit: Visit): void {
  const inp = body.input;
  if (typeof inp === 'string') body.input = visit(inp, 'input');
  else if (Array.isArray(inp)) for (let i = 0; i < inp.length; i++) if (typeof inp[i] === 'string') inp[i] = visit(inp[i], 'input');
  // Token-id arrays are opaque numbers: nothing to scan.
}

// ---------- OpenAI Responses ----------

function walkResponsesContent(holder: Obj, key: string, kind: TextKind, visit: Visit): void {
  const c = holder[key];
  if (typeof c === 'string') holder[key] = visit(c, kind);
  else if (Array.isArray(c)) {
    for (const p of c) {
      if (!isObj(p)) continue;
      if (typeof p.text === 'string') p.text = visit(p.text, kind); // input_text, output_text, summary_text
      if (typeof p.refusal === 'string') p.refusal = visit(p.refusal, kind);
    }
  }
}

export function walkOpenAIResponses(body: Obj, visit: Visit): void {
  if (typeof body.instructions === 'string') body.instructions = visit(body.instructions, 'system');
  const inp = body.input;
  if (typeof inp === 'string') {
    body.input = visit(inp, 'user');
    return;
  }
  if (!Array.isArray(inp)) return;
  for (const it of inp) {
    if (!isObj(it)) continue;
    const type = it.type ?? 'message';
    if (type === 'message' || (it.role && it.content !== undefined && type !== 'function_call_output')) {
      walkResponsesContent(it, 'content', chatRoleKind(it.role), visit);
    } else if (type === 'function_call') {
      if (typeof it.arguments === 'string') it.arguments = walkJsonString(it.arguments, visit);
    } else if (type === 'custom_tool_call') {
      if (typeof it.input === 'string') it.input = visit(it.input, 'tool_args');
    } else if (type === 'function_call_output' || type === 'custom_tool_call_output' || type === 'local_shell_call_output' || type === 'computer_call_output' || type === 'mcp_call_output') {
      walkResponsesContent(it, 'output', 'tool', visit);
    } else if (type === 'mcp_call') {
      if (typeof it.arguments === 'string') it.arguments = walkJsonString(it.arguments, visit);
      if (typeof it.output === 'string') it.output = visit(it.output, 'tool');
    } else if (type === 'reasoning') {
      // Encrypted / signed reasoning must not change; its summaries are model output the provider already has.
    }
  }
}

// ---------- Anthropic Messages (and count_tokens) ----------

function walkAnthropicBlocks(blocks: unknown[], kind: TextKind, visit: Visit): void {
  for (const b of blocks) {
    if (!isObj(b)) continue;
    switch (b.type) {
      case 'text':
        if (typeof b.text === 'string') b.text = visit(b.text, kind);
        break;
      case 'tool_use':
      case 'server_tool_use':
        if (b.input !== undefined) b.input = walkJsonValue(b.input, 'tool_args', visit);
        break;
      case 'tool_result':
      case 'web_search_tool_result':
      case 'mcp_tool_result':
        if (typeof b.content === 'string') b.content = visit(b.content, 'tool');
        else if (Array.isArray(b.content)) walkAnthropicBlocks(b.content, 'tool', visit);
        break;
      case 'document':
        if (isObj(b.source) && b.source.type === 'text' && typeof b.source.data === 'string') b.source.data = visit(b.source.data, kind === 'assistant' ? kind : 'tool');
        else if (isObj(b.source) && b.source.type === 'content' && Array.isArray(b.source.content)) walkAnthropicBlocks(b.source.content, 'tool', visit);
        if (typeof b.context === 'string') b.context = visit(b.context, kind);
        break;
      // thinking / redacted_thinking carry signatures and must be sent back unchanged; images have no text.
    }
  }
}

export function walkAnthropicMessages(body: Obj, visit: Visit): void {
  if (typeof body.system === 'string') body.system = visit(body.system, 'system');
  else if (Array.isArray(body.system)) walkAnthropicBlocks(body.system, 'system', visit);
  const msgs = body.messages;
  if (!Array.isArray(msgs)) return;
  for (const m of msgs) {
    if (!isObj(m)) continue;
    const kind: TextKind = m.role === 'assistant' ? 'assistant' : 'user';
    if (typeof m.content === 'string') m.content = visit(m.content, kind);
    else if (Array.isArray(m.content)) walkAnthropicBlocks(m.content, kind, visit);
  }
}

export const WALKERS: Record<string, (body: Obj, visit: Visit) => void> = {
  'openai.chat': walkOpenAIChat,
  'openai.embeddings': walkOpenAIEmbeddings,
  'openai.responses': walkOpenAIResponses,
  'anthropic.messages': walkAnthropicMessages,
  'anthropic.count_tokens': walkAnthropicMessages,
};
