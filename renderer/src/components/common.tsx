import { useState, type ReactNode } from 'react';

export function CopyButton({ text, label = 'Copy', testId }: { text: string; label?: string; testId?: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  return (
    <button
      type="button"
      className="btn btn-small"
      data-testid={testId}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied('yes');
        } catch {
          setCopied('no');
        }
        setTimeout(() => setCopied(null), 1500);
      }}
    >
      {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Select and copy' : label}
    </button>
  );
}

export function Code({ text, testId, copyTestId }: { text: string; testId?: string; copyTestId?: string }) {
  return (
    <div className="code">
      <pre data-testid={testId} tabIndex={0}>
        <code>{text}</code>
      </pre>
      <div className="code-copy">
        <CopyButton text={text} testId={copyTestId} />
      </div>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status" data-testid="loading">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function ErrorState({ message, retry }: { message: string; retry?: () => void }) {
  return (
    <div className="state state-error" role="alert" data-testid="error-state">
      <strong>Something went wrong.</strong> <span>{message}</span>
      {retry && (
        <button type="button" className="btn btn-small" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="state state-empty" data-testid={testId}>
      <strong>{title}</strong>
      {children && <div className="state-body">{children}</div>}
    </div>
  );
}

export function Card({ title, children, actions, testId }: { title?: ReactNode; children: ReactNode; actions?: ReactNode; testId?: string }) {
  return (
    <section className="card" data-testid={testId}>
      {(title || actions) && (
        <header className="card-head">
          {title && <h2>{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

/** An https link that opens outside the app (the desktop shell hands https links to the browser). */
export function External({ href, children }: { href: string; children: ReactNode }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}
