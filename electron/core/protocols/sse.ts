import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseHandlers {
  onEvent(event: EventSourceMessage): void;
  onComment?(comment: string): void;
}

/**
 * Incremental SSE reader over raw bytes: tolerates events split across TCP writes, multi-byte UTF-8
 * split across chunks, CRLF framing (Gemini) and comment lines (keep-alives).
 */
export class SseReader {
  private readonly decoder = new TextDecoder();
  private readonly parser;
  constructor(h: SseHandlers) {
    this.parser = createParser({ onEvent: h.onEvent, onComment: h.onComment });
  }
  push(chunk: Uint8Array): void {
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
  }
  end(): void {
    const rest = this.decoder.decode();
    if (rest) this.parser.feed(rest);
    // A final event without its blank line still counts.
    this.parser.feed('\n\n');
  }
}

export function sseEvent(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}
