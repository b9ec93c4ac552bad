import type { KeyStatus, KeyTestResult } from '../../../shared/api/contract.ts';

export function KeyBadge({ k, testId }: { k: KeyStatus; testId?: string }) {
  const [cls, text] =
    k.source === 'keychain'
      ? ['ok', `Key ${k.hint} in keychain`]
      : k.source === 'env'
        ? ['ok', `Key from $${k.hint}`]
        : k.source === 'local'
          ? ['muted', 'Local, no key needed']
          : k.source === 'unavailable'
            ? ['warn', 'Keychain locked']
            : ['warn', 'No key'];
  return (
    <span className={`badge badge-${cls}`} data-testid={testId} data-source={k.source}>
      {text}
    </span>
  );
}

const TEST_CLASS: Record<KeyTestResult['status'], string> = {
  works: 'ok',
  rejected: 'error',
  unreachable: 'warn',
  'no-key': 'warn',
  'keychain-unavailable': 'warn',
};

export function TestResult({ r, testId }: { r: KeyTestResult; testId?: string }) {
  return (
    <p className={`test-result test-${TEST_CLASS[r.status]}`} data-testid={testId} data-status={r.status} role="status">
      {r.status === 'works' ? '✓ ' : '! '}
      {r.message}
    </p>
  );
}
