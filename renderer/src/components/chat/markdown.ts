// Model output → safe HTML: marked (GFM tables, fenced code; raw HTML shown as text), highlight.js for code, KaTeX for $math$ (MathML
// output: no inline styles, which the CSP forbids), then DOMPurify with an allow-list (HTML + MathML only, no SVG,
// no forms/buttons/iframes/style, links only http(s)/mailto). Nothing in a model's answer can run script: the
// sanitizer removes it, and the CSP (script-src 'self') would refuse it anyway.
import { Marked, type TokenizerAndRendererExtension, type Tokens } from 'marked';
import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/common';
import katex from 'katex';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function tex(src: string, display: boolean): string {
  try {
    return katex.renderToString(src, { output: 'mathml', displayMode: display, throwOnError: false, trust: false, strict: 'ignore', maxExpand: 500, maxSize: 50 });
  } catch {
    return `<code>${escapeHtml(src)}</code>`;
  }
}

const blockMath: TokenizerAndRendererExtension = {
  name: 'blockMath',
  level: 'block',
  start: (src) => src.match(/^\$\$|\n\$\$/)?.index,
  tokenizer(src) {
    const m = /^\$\$([\s\S]+?)\$\$(?:\n|$)/.exec(src);
    if (m) return { type: 'blockMath', raw: m[0], text: m[1]!.trim() };
    return undefined;
  },
  renderer: (t) => `<div class="math-block">${tex((t as Tokens.Generic).text as string, true)}</div>`,
};

const inlineMath: TokenizerAndRendererExtension = {
  name: 'inlineMath',
  level: 'inline',
  start: (src) => src.indexOf('$') >= 0 ? src.indexOf('$') : undefined,
  tokenizer(src) {
    // $x$ with no space just inside the dollars (so "$5 and $10" stays text), or \( x \).
    const m = /^\$(?!\s)((?:\\.|[^\\$\n])+?)(?<!\s)\$(?!\d)/.exec(src) ?? /^\\\(([\s\S]+?)\\\)/.exec(src);
    if (m) return { type: 'inlineMath', raw: m[0], text: m[1]! };
    return undefined;
  },
  renderer: (t) => tex((t as Tokens.Generic).text as string, false),
};

const marked = new Marked({
  gfm: true,
  breaks: false,
  extensions: [blockMath, inlineMath],
  renderer: {
    // Raw HTML in an answer is shown as text, never parsed: a model quoting <script> or an unclosed <style>
    // neither runs nor swallows the rest of the answer. (DOMPurify below is the second line of defence.)
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
    code({ text, lang }: Tokens.Code) {
      const language = (lang ?? '').trim().split(/\s+/)[0]!.toLowerCase();
      let body: string;
      let label = language;
      try {
        if (language && hljs.getLanguage(language)) body = hljs.highlight(text, { language, ignoreIllegals: true }).value;
        else if (text.length < 20_000) {
          const auto = hljs.highlightAuto(text);
          body = auto.value;
          label = language || auto.language || '';
        } else body = escapeHtml(text);
      } catch {
        body = escapeHtml(text);
      }
      return `<div class="md-code" data-lang="${escapeHtml(label)}"><pre><code class="hljs">${body}</code></pre></div>`;
    },
  },
});

let hooked = false;
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'A') {
      const href = node.getAttribute('href') ?? '';
      if (!/^(https?:|mailto:)/i.test(href)) node.removeAttribute('href');
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
    if (node.nodeName === 'IMG') {
      const src = node.getAttribute('src') ?? '';
      // Remote images would be tracking pixels (and the CSP blocks them); only inline data images render.
      if (!/^data:image\/(png|jpeg|gif|webp);/i.test(src)) node.removeAttribute('src');
    }
  });
}

export const SANITIZE_CONFIG = {
  USE_PROFILES: { html: true, mathMl: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'option', 'iframe', 'frame', 'frameset', 'object', 'embed', 'link', 'meta', 'base', 'svg', 'math-style', 'dialog', 'template', 'video', 'audio', 'source', 'track'],
  FORBID_ATTR: ['style', 'srcset', 'formaction', 'action', 'xlink:href', 'autofocus', 'tabindex', 'id', 'name'],
  ALLOW_DATA_ATTR: false,
  ADD_ATTR: ['data-lang', 'target'],
};

/** Sanitized HTML for a model's (or the user's) Markdown. */
export function renderMarkdown(src: string): string {
  installHooks();
  let html: string;
  try {
    html = marked.parse(src, { async: false }) as string;
  } catch {
    html = `<pre>${escapeHtml(src)}</pre>`;
  }
  return DOMPurify.sanitize(html, SANITIZE_CONFIG) as unknown as string;
}
