import { memo, useLayoutEffect, useMemo, useRef } from 'react';
import { renderMarkdown } from './markdown.ts';

/**
 * Sanitized Markdown. The HTML comes from renderMarkdown (DOMPurify); copy buttons on code blocks are created
 * here with DOM APIs after sanitizing, so nothing in a model's output can produce a control of its own.
 */
export const Markdown = memo(function Markdown({ text, testId }: { text: string; testId?: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.innerHTML = html;
    for (const block of el.querySelectorAll<HTMLElement>('.md-code')) {
      const bar = document.createElement('div');
      bar.className = 'md-code-bar';
      const lang = document.createElement('span');
      lang.textContent = block.dataset.lang || 'text';
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'btn btn-small md-copy';
      btn.textContent = 'Copy';
      btn.setAttribute('data-testid', 'code-copy');
      btn.addEventListener('click', async () => {
        const code = block.querySelector('code')?.textContent ?? '';
        try {
          await navigator.clipboard.writeText(code);
          btn.textContent = 'Copied';
        } catch {
          btn.textContent = 'Select and copy';
        }
        setTimeout(() => (btn.textContent = 'Copy'), 1500);
      });
      bar.append(lang, btn);
      block.prepend(bar);
    }
  }, [html]);
  return <div ref={ref} className="md" data-testid={testId} />;
});
