import type { OutputFilter } from '../../pipeline/context.ts';
import type { Usage } from '../../routing/catalog.ts';
import type { GatewayError } from '../../util/errors.ts';
import { openAIErrorBody } from '../openai-errors.ts';
import { anthropicErrorBody } from '../anthropic-errors.ts';
import { randomId, type HubEvent, type HubMessage, type StopReason } from './hub.ts';

/** Hub answers encoded in each client protocol: whole JSON bodies and SSE streams. */

type Obj = Record<string, any>;
const now = () => Math.floor(Date.now() / 1000);
const U0: Usage = { input: 0, cached: 0, cacheWrite: 0, output: 0 };

export interface EncoderInit {
  /** The client's request body (Responses echoes some of its fields). */
  request: Obj;
  filter: OutputFilter | null;
  /** OpenAI Chat: the client asked for the usage chunk. */
  wantsUsage: boolean;
  /** Used when the upstream does not name its model. */
  model: string;
}

export interface StreamEncoder {
  /** Encodes one hub event; returns the SSE text to write (maybe empty). */
  push(e: HubEvent): string;
  /** Closes whatever is open and ends the stream. */
  end(): string;
  /** An error after the stream started, in-band in this protocol. */
  error(err: GatewayError): string;
}

// ---------------------------------------------------------------- usage and stop reasons per protocol

export function chatUsage(u: Usage | null): Obj | undefined {
  if (!u) return undefined;
  return { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output, prompt_tokens_details: { cached_tokens: u.cached } };
}

export function anthropicUsage(u: Usage | null): Obj {
  const x = u ?? U0;
  return {
    input_tokens: Math.max(0, x.input - x.cached - x.cacheWrite),
    cache_creation_input_tokens: x.cacheWrite,
    cache_read_input_tokens: x.cached,
    output_tokens: x.output,
  };
}

export function responsesUsage(u: Usage | null): Obj | null {
  if (!u) return null;
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cached },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.input + u.output,
  };
}

const CHAT_FINISH: Record<StopReason, string> = { stop: 'stop', length: 'length', tool_calls: 'tool_calls', content_filter: 'content_filter' };
const ANTHROPIC_STOP: Record<StopReason, string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', content_filter: 'refusal' };

function anthropicId(id: string | undefined): string {
  return id && id.startsWith('msg_') ? id : randomId('msg_');
}

// ---------------------------------------------------------------- JSON bodies

export function chatJson(m: HubMessage, init: EncoderInit): Obj {
  const text = m.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('');
  const reasoning = m.parts.filter((p) => p.type === 'reasoning').map((p) => (p as { text: string }).text).join('');
  const calls = m.parts.filter((p) => p.type === 'tool_call') as { id: string; name: string; arguments: string }[];
  const message: Obj = { role: 'assistant', content: text || (calls.length ? null : ''), refusal: null };
  if (reasoning) message.reasoning_content = reasoning;
  if (calls.length) message.tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return {
    id: m.id.startsWith('chatcmpl') ? m.id : `chatcmpl-${m.id}`,
    object: 'chat.completion',
    created: now(),
    model: m.model || init.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: CHAT_FINISH[m.stop] }],
    usage: chatUsage(m.usage) ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}

export function anthropicJson(m: HubMessage, init: EncoderInit): Obj {
  const content: Obj[] = [];
  for (const p of m.parts) {
    if (p.type === 'text') content.push({ type: 'text', text: p.text });
    else if (p.type === 'reasoning') content.push({ type: 'thinking', thinking: p.text, signature: p.signature ?? '' });
    else {
      let input: unknown = {};
      try {
        input = p.arguments ? JSON.parse(p.arguments) : {};
      } catch {
        input = {};
      }
      content.push({ type: 'tool_use', id: p.id, name: p.name, input });
    }
  }
  return {
    id: anthropicId(m.id),
    type: 'message',
    role: 'assistant',
    model: m.model || init.model,
    content,
    stop_reason: m.stopSequence ? 'stop_sequence' : ANTHROPIC_STOP[m.stop],
    stop_sequence: m.stopSequence,
    usage: anthropicUsage(m.usage),
  };
}

function responsesBase(init: EncoderInit, id: string, model: string): Obj {
  const r = init.request;
  return {
    id,
    object: 'response',
    created_at: now(),
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    model,
    output: [] as Obj[],
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: null },
    store: false,
    temperature: r.temperature ?? 1,
    text: r.text ?? { format: { type: 'text' } },
    tool_choice: r.tool_choice ?? 'auto',
    tools: r.tools ?? [],
    top_p: r.top_p ?? 1,
    truncation: 'disabled',
    usage: null,
    user: null,
    metadata: r.metadata ?? {},
  };
}

function responsesStatus(stop: StopReason, resp: Obj): void {
  if (stop === 'length' || stop === 'content_filter') {
    resp.status = 'incomplete';
    resp.incomplete_details = { reason: stop === 'length' ? 'max_output_tokens' : 'content_filter' };
  } else resp.status = 'completed';
}

export function responsesJson(m: HubMessage, init: EncoderInit): Obj {
  const resp = responsesBase(init, randomId('resp_'), m.model || init.model);
  let msg: Obj | null = null;
  for (const p of m.parts) {
    if (p.type === 'text') {
      if (!msg) {
        msg = { id: randomId('msg_'), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: '', annotations: [], logprobs: [] }] };
        resp.output.push(msg);
      }
      msg.content[0].text += p.text;
    } else if (p.type === 'reasoning') {
      resp.output.push({ id: randomId('rs_'), type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: p.text }] });
    } else {
      resp.output.push({ id: randomId('fc_'), type: 'function_call', status: 'completed', arguments: p.arguments, call_id: p.id, name: p.name });
      msg = null;
    }
  }
  responsesStatus(m.stop, resp);
  resp.usage = responsesUsage(m.usage);
  return resp;
}

// ---------------------------------------------------------------- streams

interface Block {
  kind: 'text' | 'reasoning' | 'tool';
  slot: string;
  /** Position in the client's output (Anthropic content index, Responses output index, Chat tool index). */
  index: number;
  key?: string;
  id?: string;
  name?: string;
  /** What the client has been sent so far (after the output filter). */
  sent: string;
  signature?: string;
}

/**
 * The block bookkeeping every stream encoder shares: text, reasoning and tool calls arrive as a flat event list
 * and leave as open/delta/close per block. The output filter is applied here, one slot per block, and whatever
 * it held back is released before the block closes.
 */
abstract class BlockEncoder implements StreamEncoder {
  protected readonly init: EncoderInit;
  protected out = '';
  protected cur: Block | null = null;
  protected started = false;
  protected blocks = 0;
  protected tools = 0;
  protected stop: StopReason | null = null;
  protected stopSequence: string | null = null;
  protected usage: Usage | null = null;
  protected id: string | undefined;
  protected model: string;
  private finished = false;

  constructor(init: EncoderInit) {
    this.init = init;
    this.model = init.model;
  }

  protected abstract begin(): void;
  protected abstract open(b: Block): void;
  protected abstract delta(b: Block, text: string): void;
  protected abstract close(b: Block): void;
  protected abstract onFinish(): void;
  protected abstract finishStream(): void;
  abstract error(err: GatewayError): string;

  private ensureStarted(): void {
    if (this.started) return;
    this.started = true;
    this.begin();
  }

  private openBlock(kind: Block['kind'], extra: Partial<Block> = {}): Block {
    this.closeCurrent();
    const b: Block = { kind, slot: `b${this.blocks}`, index: kind === 'tool' ? this.tools++ : 0, sent: '', ...extra };
    this.blocks++;
    this.cur = b;
    this.open(b);
    return b;
  }

  private send(b: Block, text: string): void {
    const f = this.init.filter;
    const out = f && b.kind !== 'reasoning' ? f.delta(b.slot, text) : text;
    if (!out) return;
    b.sent += out;
    this.delta(b, out);
  }

  protected closeCurrent(): void {
    const b = this.cur;
    if (!b) return;
    const f = this.init.filter;
    if (f && b.kind !== 'reasoning') {
      const rest = f.flush(b.slot);
      if (rest) {
        b.sent += rest;
        this.delta(b, rest);
      }
    }
    this.cur = null;
    this.close(b);
  }

  push(e: HubEvent): string {
    switch (e.t) {
      case 'meta':
        if (!this.started) {
          if (e.id) this.id = e.id;
          if (e.model) this.model = e.model;
        }
        break;
      case 'text':
        this.ensureStarted();
        this.send(this.cur?.kind === 'text' ? this.cur : this.openBlock('text'), e.text);
        break;
      case 'reasoning': {
        this.ensureStarted();
        const b = this.cur?.kind === 'reasoning' ? this.cur : this.openBlock('reasoning');
        if (e.signature) b.signature = e.signature;
        if (e.text) this.send(b, e.text);
        break;
      }
      case 'tool_start':
        this.ensureStarted();
        this.openBlock('tool', { key: e.key, id: e.id, name: e.name });
        break;
      case 'tool_args':
        // Upstreams finish one call's arguments before the next call starts; a stray fragment is dropped.
        if (this.cur?.kind === 'tool' && this.cur.key === e.key) this.send(this.cur, e.args);
        break;
      case 'finish':
        this.ensureStarted();
        this.closeCurrent();
        if (!this.stop) {
          this.stop = e.stop;
          this.stopSequence = e.stopSequence ?? null;
          this.onFinish();
        }
        break;
      case 'usage':
        this.usage = e.usage;
        break;
      case 'error':
        break;
    }
    return this.take();
  }

  end(): string {
    if (this.finished) return '';
    this.finished = true;
    this.ensureStarted();
    this.closeCurrent();
    if (!this.stop) {
      this.stop = 'stop';
      this.onFinish();
    }
    this.finishStream();
    return this.take();
  }

  protected take(): string {
    const s = this.out;
    this.out = '';
    return s;
  }
}

export class ChatStreamEncoder extends BlockEncoder {
  private cid = '';
  private created = now();
  private chunk(delta: Obj, finish: string | null = null): void {
    const c = { id: this.cid, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
    this.out += `data: ${JSON.stringify(c)}\n\n`;
  }
  protected begin(): void {
    this.cid = this.id ? (this.id.startsWith('chatcmpl') ? this.id : `chatcmpl-${this.id}`) : randomId('chatcmpl-');
    this.chunk({ role: 'assistant', content: '' });
  }
  protected open(b: Block): void {
    if (b.kind === 'tool') this.chunk({ tool_calls: [{ index: b.index, id: b.id, type: 'function', function: { name: b.name, arguments: '' } }] });
  }
  protected delta(b: Block, text: string): void {
    if (b.kind === 'text') this.chunk({ content: text });
    else if (b.kind === 'reasoning') this.chunk({ reasoning_content: text });
    else this.chunk({ tool_calls: [{ index: b.index, function: { arguments: text } }] });
  }
  protected close(): void {}
  protected onFinish(): void {
    this.chunk({}, CHAT_FINISH[this.stop!]);
  }
  protected finishStream(): void {
    if (this.init.wantsUsage) {
      const c = { id: this.cid, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: chatUsage(this.usage ?? U0) };
      this.out += `data: ${JSON.stringify(c)}\n\n`;
    }
    this.out += 'data: [DONE]\n\n';
  }
  error(err: GatewayError): string {
    return `data: ${openAIErrorBody(err)}\n\n`;
  }
}

export class AnthropicStreamEncoder extends BlockEncoder {
  private index = -1;
  private ev(type: string, data: Obj): void {
    this.out += `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  }
  protected begin(): void {
    const u = anthropicUsage(this.usage);
    this.ev('message_start', {
      message: { id: anthropicId(this.id), type: 'message', role: 'assistant', model: this.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...u, output_tokens: 0 } },
    });
    this.ev('ping', {});
  }
  protected open(b: Block): void {
    b.index = ++this.index;
    const cb = b.kind === 'text' ? { type: 'text', text: '' } : b.kind === 'reasoning' ? { type: 'thinking', thinking: '', signature: '' } : { type: 'tool_use', id: b.id, name: b.name, input: {} };
    this.ev('content_block_start', { index: b.index, content_block: cb });
  }
  protected delta(b: Block, text: string): void {
    const delta = b.kind === 'text' ? { type: 'text_delta', text } : b.kind === 'reasoning' ? { type: 'thinking_delta', thinking: text } : { type: 'input_json_delta', partial_json: text };
    this.ev('content_block_delta', { index: b.index, delta });
  }
  protected close(b: Block): void {
    if (b.kind === 'reasoning' && b.signature) this.ev('content_block_delta', { index: b.index, delta: { type: 'signature_delta', signature: b.signature } });
    this.ev('content_block_stop', { index: b.index });
  }
  protected onFinish(): void {}
  protected finishStream(): void {
    const stop = this.stopSequence ? 'stop_sequence' : ANTHROPIC_STOP[this.stop ?? 'stop'];
    this.ev('message_delta', { delta: { stop_reason: stop, stop_sequence: this.stopSequence }, usage: anthropicUsage(this.usage) });
    this.ev('message_stop', {});
  }
  error(err: GatewayError): string {
    return `event: error\ndata: ${anthropicErrorBody(err)}\n\n`;
  }
}

export class ResponsesStreamEncoder extends BlockEncoder {
  private seq = 0;
  private resp: Obj = {};
  private item: Obj | null = null;
  private ev(type: string, data: Obj): void {
    this.out += `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.seq++, ...data })}\n\n`;
  }
  protected begin(): void {
    this.resp = responsesBase(this.init, randomId('resp_'), this.model);
    this.ev('response.created', { response: { ...this.resp, output: [] } });
    this.ev('response.in_progress', { response: { ...this.resp, output: [] } });
  }
  protected open(b: Block): void {
    b.index = this.resp.output.length;
    let item: Obj;
    if (b.kind === 'text') item = { id: randomId('msg_'), type: 'message', status: 'in_progress', content: [], role: 'assistant' };
    else if (b.kind === 'reasoning') item = { id: randomId('rs_'), type: 'reasoning', summary: [], content: [] };
    else item = { id: randomId('fc_'), type: 'function_call', status: 'in_progress', arguments: '', call_id: b.id, name: b.name };
    this.item = item;
    this.resp.output.push(item);
    this.ev('response.output_item.added', { output_index: b.index, item: { ...item } });
    if (b.kind === 'text') this.ev('response.content_part.added', { item_id: item.id, output_index: b.index, content_index: 0, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } });
  }
  protected delta(b: Block, text: string): void {
    const id = this.item!.id;
    if (b.kind === 'text') this.ev('response.output_text.delta', { item_id: id, output_index: b.index, content_index: 0, delta: text, logprobs: [] });
    else if (b.kind === 'reasoning') this.ev('response.reasoning_text.delta', { item_id: id, output_index: b.index, content_index: 0, delta: text });
    else this.ev('response.function_call_arguments.delta', { item_id: id, output_index: b.index, delta: text });
  }
  protected close(b: Block): void {
    const item = this.item!;
    const id = item.id;
    if (b.kind === 'text') {
      const part = { type: 'output_text', annotations: [], logprobs: [], text: b.sent };
      this.ev('response.output_text.done', { item_id: id, output_index: b.index, content_index: 0, text: b.sent, logprobs: [] });
      this.ev('response.content_part.done', { item_id: id, output_index: b.index, content_index: 0, part });
      item.content = [part];
      item.status = 'completed';
    } else if (b.kind === 'reasoning') {
      this.ev('response.reasoning_text.done', { item_id: id, output_index: b.index, content_index: 0, text: b.sent });
      item.content = [{ type: 'reasoning_text', text: b.sent }];
    } else {
      this.ev('response.function_call_arguments.done', { item_id: id, output_index: b.index, arguments: b.sent });
      item.arguments = b.sent;
      item.status = 'completed';
    }
    this.ev('response.output_item.done', { output_index: b.index, item: { ...item } });
    this.item = null;
  }
  protected onFinish(): void {}
  protected finishStream(): void {
    responsesStatus(this.stop ?? 'stop', this.resp);
    this.resp.usage = responsesUsage(this.usage ?? U0);
    this.ev(this.resp.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: this.resp });
  }
  error(err: GatewayError): string {
    const e = { type: err.kind, code: err.code ?? err.kind, message: err.message, param: err.param };
    this.ev('error', { error: e });
    const failed = { ...(this.started ? this.resp : responsesBase(this.init, randomId('resp_'), this.model)), status: 'failed', error: { code: e.code, message: e.message } };
    this.ev('response.failed', { response: failed });
    return this.take();
  }
}
