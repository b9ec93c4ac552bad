import { GatewayError } from '../../util/errors.ts';
import { parseArgs, parseDataUrl, textOf } from './hub.ts';

/**
 * Request translation. Every inbound body is brought to the OpenAI Chat Completions shape (the hub), and the
 * hub is turned into the upstream's shape. Same-protocol calls never come here (they pass through untouched).
 */
type Obj = Record<string, any>;

function unsupported(list: string[], what: string): never {
  throw new GatewayError(
    400,
    'invalid_request_error',
    `${what} is not supported by Airlock when the request is translated to another provider: ${list.join('; ')}. Remove it, or route the request to a provider that speaks this API natively.`,
    { code: 'unsupported_feature' },
  );
}

const copy = (from: Obj, to: Obj, pairs: [string, string][]) => {
  for (const [a, b] of pairs) if (from[a] !== undefined && from[a] !== null) to[b] = from[a];
};

// ---------------------------------------------------------------- Anthropic Messages -> hub

function anthropicBlocksToParts(blocks: any[]): any[] {
  const parts: any[] = [];
  for (const b of blocks) {
    if (b?.type === 'text') parts.push({ type: 'text', text: b.text ?? '' });
    else if (b?.type === 'image') {
      const s = b.source ?? {};
      if (s.type === 'base64') parts.push({ type: 'image_url', image_url: { url: `data:${s.media_type};base64,${s.data}` } });
      else if (s.type === 'url') parts.push({ type: 'image_url', image_url: { url: s.url } });
    } else if (b?.type === 'document') {
      const s = b.source ?? {};
      if (s.type === 'base64') parts.push({ type: 'file', file: { filename: b.title ?? 'document.pdf', file_data: `data:${s.media_type};base64,${s.data}` } });
      else if (s.type === 'text') parts.push({ type: 'text', text: s.data ?? '' });
    }
    // thinking / redacted_thinking blocks are the upstream model's own; another model cannot use them.
  }
  return parts;
}

function toolResultText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((b: any) => (b?.type === 'text' ? b.text : b?.type === 'image' ? '[image]' : '')).join('');
  return c === undefined ? '' : JSON.stringify(c);
}

/** Anthropic Messages body -> Chat Completions body. */
export function anthropicToChat(b: Obj): Obj {
  const messages: Obj[] = [];
  if (b.system !== undefined) {
    const sys = typeof b.system === 'string' ? b.system : (b.system as any[]).map((x) => x?.text ?? '').join('\n\n');
    if (sys) messages.push({ role: 'system', content: sys });
  }
  for (const m of b.messages as Obj[]) {
    if (typeof m.content === 'string') {
      messages.push({ role: m.role, content: m.content });
      continue;
    }
    const blocks = m.content as any[];
    if (m.role === 'assistant') {
      const text = blocks.filter((x) => x?.type === 'text').map((x) => x.text).join('');
      const calls = blocks
        .filter((x) => x?.type === 'tool_use')
        .map((x) => ({ id: x.id, type: 'function', function: { name: x.name, arguments: JSON.stringify(x.input ?? {}) } }));
      const out: Obj = { role: 'assistant', content: text || (calls.length ? null : '') };
      if (calls.length) out.tool_calls = calls;
      messages.push(out);
      continue;
    }
    // A user turn: tool results become tool messages (they must follow the assistant's tool calls), then the rest.
    for (const x of blocks) {
      if (x?.type !== 'tool_result') continue;
      let content = toolResultText(x.content);
      if (x.is_error && !content.startsWith('Error')) content = `Error: ${content}`;
      messages.push({ role: 'tool', tool_call_id: x.tool_use_id, content });
    }
    const parts = anthropicBlocksToParts(blocks.filter((x) => x?.type !== 'tool_result'));
    if (parts.length) messages.push({ role: 'user', content: parts.every((p) => p.type === 'text') ? parts.map((p) => p.text).join('') : parts });
  }
  const out: Obj = { model: b.model, messages };
  copy(b, out, [
    ['max_tokens', 'max_tokens'],
    ['temperature', 'temperature'],
    ['top_p', 'top_p'],
    ['stream', 'stream'],
    ['stop_sequences', 'stop'],
  ]);
  if (b.metadata?.user_id) out.user = String(b.metadata.user_id);
  if (Array.isArray(b.tools) && b.tools.length) {
    const bad = b.tools.filter((t: any) => t?.type && t.type !== 'custom' && !t.input_schema).map((t: any) => `server tool '${t.type}'`);
    if (bad.length) unsupported(bad, 'An Anthropic server tool');
    out.tools = b.tools.map((t: any) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.input_schema ?? { type: 'object', properties: {} } },
    }));
  }
  const tc = b.tool_choice;
  if (tc && typeof tc === 'object') {
    if (tc.type === 'auto') out.tool_choice = 'auto';
    else if (tc.type === 'any') out.tool_choice = 'required';
    else if (tc.type === 'none') out.tool_choice = 'none';
    else if (tc.type === 'tool') out.tool_choice = { type: 'function', function: { name: tc.name } };
    if (tc.disable_parallel_tool_use === true && out.tools) out.parallel_tool_calls = false;
  }
  return out;
}

// ---------------------------------------------------------------- Responses -> hub

const RESPONSES_BUILTIN = new Set(['web_search', 'web_search_preview', 'file_search', 'computer_use_preview', 'computer_use', 'code_interpreter', 'image_generation', 'mcp', 'local_shell', 'shell', 'apply_patch']);

function responsesContentToParts(content: unknown): any {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: any[] = [];
  for (const p of content as any[]) {
    if (p?.type === 'input_text' || p?.type === 'output_text' || p?.type === 'text') parts.push({ type: 'text', text: p.text ?? '' });
    else if (p?.type === 'refusal') parts.push({ type: 'text', text: p.refusal ?? '' });
    else if (p?.type === 'input_image') {
      if (p.image_url) parts.push({ type: 'image_url', image_url: { url: p.image_url, ...(p.detail ? { detail: p.detail } : {}) } });
      else unsupported(['input_image with file_id (upload the image inline as image_url)'], 'An input item');
    } else if (p?.type === 'input_file') {
      if (p.file_data) parts.push({ type: 'file', file: { filename: p.filename ?? 'file', file_data: p.file_data } });
      else unsupported(['input_file by file_id or file_url (send file_data inline)'], 'An input item');
    }
  }
  return parts.every((x) => x.type === 'text') ? parts.map((x) => x.text).join('') : parts;
}

/** The Responses features Airlock cannot honour when it translates (it keeps no server-side state). */
export function unsupportedResponsesFeatures(b: Obj): string[] {
  const list: string[] = [];
  if (b.previous_response_id) list.push('previous_response_id (Airlock stores no responses; send the whole conversation in input)');
  if (b.conversation) list.push('conversation (send the whole conversation in input)');
  if (b.background === true) list.push('background: true');
  if (b.store === true) list.push('store: true (responses are not stored; omit store or send store: false)');
  if (b.prompt) list.push('prompt templates (prompt)');
  for (const t of (b.tools as any[] | undefined) ?? []) {
    if (t?.type !== 'function') list.push(`built-in tool '${t?.type}' (only function tools are supported)`);
  }
  if (Array.isArray(b.input)) for (const it of b.input as any[]) if (it?.type === 'item_reference') list.push('item_reference input items');
  return [...new Set(list)];
}

/** Responses body -> Chat Completions body. */
export function responsesToChat(b: Obj): Obj {
  const un = unsupportedResponsesFeatures(b);
  if (un.length) unsupported(un, 'This Responses API feature');
  const messages: Obj[] = [];
  if (typeof b.instructions === 'string' && b.instructions) messages.push({ role: 'system', content: b.instructions });
  const input = typeof b.input === 'string' ? [{ role: 'user', content: b.input }] : ((b.input as any[]) ?? []);
  for (const it of input) {
    const type = it?.type ?? (it?.role ? 'message' : undefined);
    if (type === 'message') {
      const role = it.role === 'developer' ? 'system' : it.role;
      messages.push({ role, content: responsesContentToParts(it.content) });
    } else if (type === 'function_call') {
      const last = messages.at(-1);
      const call = { id: it.call_id, type: 'function', function: { name: it.name, arguments: it.arguments ?? '{}' } };
      if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (type === 'function_call_output') {
      const o = it.output;
      messages.push({ role: 'tool', tool_call_id: it.call_id, content: typeof o === 'string' ? o : textOf(responsesContentToParts(o)) });
    }
    // reasoning items are the upstream model's own state; they are dropped when another model answers.
  }
  const out: Obj = { model: b.model, messages };
  copy(b, out, [
    ['max_output_tokens', 'max_tokens'],
    ['temperature', 'temperature'],
    ['top_p', 'top_p'],
    ['stream', 'stream'],
    ['parallel_tool_calls', 'parallel_tool_calls'],
  ]);
  if (b.safety_identifier || b.user) out.user = b.safety_identifier ?? b.user;
  if (b.reasoning?.effort && b.reasoning.effort !== 'none') out.reasoning_effort = b.reasoning.effort;
  const fmt = b.text?.format;
  if (fmt?.type === 'json_schema') out.response_format = { type: 'json_schema', json_schema: { name: fmt.name ?? 'response', schema: fmt.schema, strict: fmt.strict } };
  else if (fmt?.type === 'json_object') out.response_format = { type: 'json_object' };
  if (Array.isArray(b.tools) && b.tools.length) {
    out.tools = b.tools.map((t: any) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters ?? { type: 'object', properties: {} }, ...(t.strict !== undefined ? { strict: t.strict } : {}) } }));
  }
  const tc = b.tool_choice;
  if (typeof tc === 'string') out.tool_choice = tc;
  else if (tc?.type === 'function') out.tool_choice = { type: 'function', function: { name: tc.name } };
  return out;
}

// ---------------------------------------------------------------- hub -> Anthropic Messages

function chatPartsToAnthropic(content: unknown): any[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  const blocks: any[] = [];
  for (const p of content as any[]) {
    if (p?.type === 'text') {
      if (p.text) blocks.push({ type: 'text', text: p.text });
    } else if (p?.type === 'image_url') {
      const url = typeof p.image_url === 'string' ? p.image_url : p.image_url?.url;
      const d = typeof url === 'string' ? parseDataUrl(url) : null;
      if (d) blocks.push({ type: 'image', source: { type: 'base64', media_type: d.mime, data: d.data } });
      else if (url) blocks.push({ type: 'image', source: { type: 'url', url } });
    } else if (p?.type === 'file') {
      const d = typeof p.file?.file_data === 'string' ? parseDataUrl(p.file.file_data) : null;
      if (d) blocks.push({ type: 'document', source: { type: 'base64', media_type: d.mime, data: d.data } });
    } else if (p?.type === 'refusal' && p.refusal) blocks.push({ type: 'text', text: p.refusal });
  }
  return blocks;
}

/** Chat Completions body -> Anthropic Messages body. `maxOutput` is the model's output limit, if known. */
export function chatToAnthropic(b: Obj, model: string, maxOutput?: number): Obj {
  if (typeof b.n === 'number' && b.n > 1) unsupported(['n > 1'], 'Several choices');
  const system: string[] = [];
  const messages: Obj[] = [];
  const push = (role: 'user' | 'assistant', blocks: any[]) => {
    if (!blocks.length) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const m of (b.messages as Obj[]) ?? []) {
    if (m.role === 'system' || m.role === 'developer') {
      const t = textOf(m.content);
      if (t) system.push(t);
    } else if (m.role === 'user') push('user', chatPartsToAnthropic(m.content));
    else if (m.role === 'assistant') {
      const blocks = chatPartsToAnthropic(m.content);
      for (const tc of m.tool_calls ?? []) blocks.push({ type: 'tool_use', id: tc.id, name: tc.function?.name, input: parseArgs(tc.function?.arguments) });
      push('assistant', blocks);
    } else if (m.role === 'tool' || m.role === 'function') {
      push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, content: textOf(m.content) }]);
    }
  }
  if (messages[0]?.role === 'assistant') messages.unshift({ role: 'user', content: [{ type: 'text', text: '(continue)' }] });
  const out: Obj = { model, messages };
  if (system.length) out.system = system.join('\n\n');
  out.max_tokens = b.max_completion_tokens ?? b.max_tokens ?? Math.min(maxOutput ?? 8192, 8192);
  if (typeof b.temperature === 'number') out.temperature = Math.min(1, b.temperature);
  if (typeof b.top_p === 'number') out.top_p = b.top_p;
  if (b.stop !== undefined && b.stop !== null) out.stop_sequences = Array.isArray(b.stop) ? b.stop : [b.stop];
  if (b.stream) out.stream = true;
  if (b.user) out.metadata = { user_id: String(b.user) };
  if (Array.isArray(b.tools) && b.tools.length) {
    out.tools = b.tools
      .filter((t: any) => t?.type === 'function' || t?.function)
      .map((t: any) => ({ name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}), input_schema: t.function.parameters ?? { type: 'object', properties: {} } }));
  }
  const tc = b.tool_choice;
  if (out.tools) {
    if (tc === 'auto') out.tool_choice = { type: 'auto' };
    else if (tc === 'required') out.tool_choice = { type: 'any' };
    else if (tc === 'none') out.tool_choice = { type: 'none' };
    else if (tc?.function?.name) out.tool_choice = { type: 'tool', name: tc.function.name };
    if (b.parallel_tool_calls === false) out.tool_choice = { ...(out.tool_choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  return out;
}

// ---------------------------------------------------------------- hub -> Gemini generateContent

const GEMINI_SCHEMA_KEYS = new Set(['type', 'format', 'description', 'nullable', 'enum', 'properties', 'required', 'items', 'minItems', 'maxItems', 'minimum', 'maximum', 'anyOf', 'title', 'minLength', 'maxLength', 'pattern', 'default', 'propertyOrdering', 'minProperties', 'maxProperties']);

/** JSON Schema -> the OpenAPI subset Gemini's `parameters` accepts ($schema, additionalProperties... removed). */
export function geminiSchema(s: any): any {
  if (Array.isArray(s)) return s.map(geminiSchema);
  if (!s || typeof s !== 'object') return s;
  const out: any = {};
  for (const [k, v] of Object.entries(s)) {
    if (!GEMINI_SCHEMA_KEYS.has(k)) continue;
    if (k === 'properties' && v && typeof v === 'object') out.properties = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, geminiSchema(pv)]));
    else if (k === 'type' && Array.isArray(v)) {
      const types = v.filter((t) => t !== 'null');
      out.type = types[0] ?? 'string';
      if (types.length < v.length) out.nullable = true;
    } else if (k === 'items' || k === 'anyOf') out[k] = geminiSchema(v);
    else out[k] = v;
  }
  return out;
}

function chatPartsToGemini(content: unknown): any[] {
  if (typeof content === 'string') return content ? [{ text: content }] : [];
  if (!Array.isArray(content)) return [];
  const parts: any[] = [];
  for (const p of content as any[]) {
    if (p?.type === 'text') {
      if (p.text) parts.push({ text: p.text });
    } else if (p?.type === 'image_url') {
      const url = typeof p.image_url === 'string' ? p.image_url : p.image_url?.url;
      const d = typeof url === 'string' ? parseDataUrl(url) : null;
      if (d) parts.push({ inlineData: { mimeType: d.mime, data: d.data } });
      else if (url) parts.push({ fileData: { fileUri: url, mimeType: guessMime(url) } });
    } else if (p?.type === 'file') {
      const d = typeof p.file?.file_data === 'string' ? parseDataUrl(p.file.file_data) : null;
      if (d) parts.push({ inlineData: { mimeType: d.mime, data: d.data } });
    } else if (p?.type === 'input_audio' && p.input_audio?.data) {
      parts.push({ inlineData: { mimeType: `audio/${p.input_audio.format ?? 'wav'}`, data: p.input_audio.data } });
    }
  }
  return parts;
}

function guessMime(url: string): string {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  return ({ png: 'image/png', gif: 'image/gif', webp: 'image/webp', pdf: 'application/pdf', jpg: 'image/jpeg', jpeg: 'image/jpeg' } as Record<string, string>)[ext ?? ''] ?? 'image/jpeg';
}

/**
 * Chat Completions body -> Gemini generateContent body. `signatureOf` returns the thoughtSignature Gemini gave
 * with a function call (it must come back with it in the next turn).
 */
export function chatToGemini(b: Obj, signatureOf: (toolCallId: string) => string | undefined): Obj {
  if (typeof b.n === 'number' && b.n > 1) unsupported(['n > 1'], 'Several choices');
  const system: string[] = [];
  const contents: Obj[] = [];
  const names = new Map<string, string>();
  const push = (role: 'user' | 'model', parts: any[]) => {
    if (!parts.length) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const m of (b.messages as Obj[]) ?? []) {
    if (m.role === 'system' || m.role === 'developer') {
      const t = textOf(m.content);
      if (t) system.push(t);
    } else if (m.role === 'user') push('user', chatPartsToGemini(m.content));
    else if (m.role === 'assistant') {
      const parts = chatPartsToGemini(m.content);
      for (const tc of m.tool_calls ?? []) {
        names.set(tc.id, tc.function?.name);
        const part: Obj = { functionCall: { name: tc.function?.name, args: parseArgs(tc.function?.arguments) } };
        // Gemini 3 rejects a replayed function call without its signature; this documented value skips the check.
        part.thoughtSignature = signatureOf(tc.id) ?? 'skip_thought_signature_validator';
        parts.push(part);
      }
      push('model', parts);
    } else if (m.role === 'tool' || m.role === 'function') {
      const text = textOf(m.content);
      let response: any;
      try {
        const v = JSON.parse(text);
        response = v && typeof v === 'object' && !Array.isArray(v) ? v : { result: v };
      } catch {
        response = { result: text };
      }
      push('user', [{ functionResponse: { name: names.get(m.tool_call_id) ?? m.name ?? 'tool', response } }]);
    }
  }
  const out: Obj = { contents };
  if (system.length) out.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  const gc: Obj = {};
  copy(b, gc, [
    ['temperature', 'temperature'],
    ['top_p', 'topP'],
    ['seed', 'seed'],
    ['presence_penalty', 'presencePenalty'],
    ['frequency_penalty', 'frequencyPenalty'],
  ]);
  const max = b.max_completion_tokens ?? b.max_tokens;
  if (max !== undefined && max !== null) gc.maxOutputTokens = max;
  if (b.stop !== undefined && b.stop !== null) gc.stopSequences = Array.isArray(b.stop) ? b.stop : [b.stop];
  const rf = b.response_format;
  if (rf?.type === 'json_object') gc.responseMimeType = 'application/json';
  else if (rf?.type === 'json_schema') {
    gc.responseMimeType = 'application/json';
    if (rf.json_schema?.schema) gc.responseSchema = geminiSchema(rf.json_schema.schema);
  }
  if (Object.keys(gc).length) out.generationConfig = gc;
  if (Array.isArray(b.tools) && b.tools.length) {
    out.tools = [
      {
        functionDeclarations: b.tools
          .filter((t: any) => t?.function)
          .map((t: any) => ({ name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}), ...(t.function.parameters ? { parameters: geminiSchema(t.function.parameters) } : {}) })),
      },
    ];
    const tc = b.tool_choice;
    const mode = tc === 'none' ? 'NONE' : tc === 'required' || tc?.function?.name ? 'ANY' : tc === 'auto' ? 'AUTO' : null;
    if (mode) out.toolConfig = { functionCallingConfig: { mode, ...(tc?.function?.name ? { allowedFunctionNames: [tc.function.name] } : {}) } };
  }
  return out;
}
