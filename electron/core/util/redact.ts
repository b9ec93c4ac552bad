// Key-shaped strings that must never leave through an error message or a log line, even if an upstream echoes them.
const KEY_PATTERNS: RegExp[] = [
  /\bsk-(?:proj-|ant-(?:api\d\d-)?|or-v1-)?[A-Za-z0-9_\-*]{8,}/g,
  /\bAIza[0-9A-Za-z_\-]{20,}/g,
  /\bgsk_[A-Za-z0-9]{20,}/g,
  /\bxai-[A-Za-z0-9]{20,}/g,
  /\balk_[A-Za-z0-9_\-]{20,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=\-]{8,}/gi,
];

/** Removes any of `secrets` and anything that looks like an API key or bearer token from `text`. */
export function redactSecrets(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  }
  for (const re of KEY_PATTERNS) out = out.replace(re, '[redacted]');
  return out;
}
