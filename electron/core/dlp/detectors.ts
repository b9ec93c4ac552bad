import net from 'node:net';
import type { CountryCode } from 'libphonenumber-js/max';
import { phoneValid } from './phone.ts';
import type { Finding } from './types.ts';
import type { Hits } from './anchors.ts';
import { cardBrand, charClasses, dniValid, entropy, ibanValid, inseeValid, isPemPlaceholder, isPlaceholder, luhn, nieValid, ninoValid, ssnValid } from './checks.ts';

/**
 * A built-in detector: a candidate regex (global), an optional cheap prefilter that lets the scan skip the regex
 * entirely, and a validator that turns a candidate into a finding span (or rejects it).
 */
export interface Detector {
  type: string;
  rule: string;
  /** Lower runs first and wins overlaps. */
  priority: number;
  /** The text must contain one of these substrings (case-sensitive) for the regex to run. */
  hints?: string[];
  /** Or: the text must match this (cheap) test. */
  hintRe?: RegExp;
  re: RegExp;
  /**
   * Lower-case literals such that every match of `re` (accepted or not) starts at most `back` characters before
   * an occurrence of one of them in the lower-cased text. With them the scan tries `re` only at those positions
   * (sticky, in order, skipping what a match consumed), which gives exactly the matches of a global scan.
   */
  anchors?: string[];
  /** Or a regex (global) whose every match position is at most `back` characters after a match start of `re`. */
  anchorRe?: RegExp;
  back?: number;
  /**
   * Every match of `re` (accepted or not) holds at least `min` digits, consecutive digits at most two characters
   * apart, and starts at most `pre` characters before a digit that follows a non-digit. On long texts with few
   * digit clusters the scan tries `re` only there (see digitClusters); the result is the same. `run`, if given,
   * holds for the length of the digit run a match starts with (the whole run: the regex ends it with a non-digit).
   */
  digits?: { min: number; pre: number; run?: (len: number) => boolean };
  /** Every match of `re` holds a digit: a text without one is skipped. */
  needsDigit?: boolean;
  /** Returns the span to report ([start, end) in the text), or null to reject. Default: the whole match. */
  check?: (m: RegExpExecArray, text: string) => [number, number] | null;
}

const whole = (m: RegExpExecArray): [number, number] => [m.index, m.index + m[0].length];
/** The span of capture group g (its first occurrence inside the match). */
function groupSpan(m: RegExpExecArray, g: number): [number, number] {
  const v = m[g]!;
  const off = m[0].lastIndexOf(v);
  return [m.index + off, m.index + off + v.length];
}

// ---------- contact ----------

const EMAIL_RE = /^[A-Za-z0-9][A-Za-z0-9._%+\-']{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$/;
const IMAGE_TLD = /\.(?:png|jpe?g|gif|svg|webp|ico)$/i;

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** . _ % + - ' */
const isLocal = (c: number) => isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || c === 39;
const isDomain = (c: number) => isAlnum(c) || c === 46 || c === 45;

/** E-mail: anchored on each '@' and expanded both ways (linear time, no backtracking over long runs). */
export function findEmails(text: string, out: Finding[]): void {
  let at = text.indexOf('@');
  while (at !== -1) {
    let s = at;
    while (s > 0 && at - s < 64 && isLocal(text.charCodeAt(s - 1))) s--;
    while (s < at && !isAlnum(text.charCodeAt(s))) s++;
    let e = at + 1;
    while (e < text.length && e - at < 256 && isDomain(text.charCodeAt(e))) e++;
    while (e > at + 1 && (text[e - 1] === '.' || text[e - 1] === '-')) e--;
    if (s < at && e > at + 3) {
      const cand = text.slice(s, e);
      // Not: SSH remotes (git@github.com:org/repo), retina assets (icon@2x.png), URL userinfo.
      const sshRemote = text[e] === ':' && /^[^\s/]*\//.test(text.slice(e + 1, e + 100));
      // scheme://user:password@host is a URL's userinfo, not an address.
      const userinfo = text[s - 1] === ':' && /:\/\/[^\s/@]*$/.test(text.slice(Math.max(0, s - 200), s - 1));
      if (EMAIL_RE.test(cand) && !IMAGE_TLD.test(cand) && !sshRemote && !userinfo) {
        out.push({ type: 'EMAIL', start: s, end: e, rule: 'email' });
      }
    }
    at = text.indexOf('@', Math.max(e, at + 1));
  }
}

const PHONE_INTL = /(?<![\w+\-./])(?:\+|00)[1-9]\d{0,2}[ .\-]?(?:\(0?\d{1,4}\)[ .\-]?)?\d{1,4}(?:[ .\-]?\d{1,5}){1,5}(?![\w\-/]|\.\d)/g;
// National forms with separators: NANP (415) 555-0132 / 415-555-0132 / 415.555.0132; trunk-0 forms 020 7946 0958, 01 42 68 53 00, 030 12345678.
const PHONE_NANP = /(?<![\w+\-./]|\d[ .\-])(?:\(\d{3}\) ?|\d{3}[\-. ])\d{3}[\-. ]\d{4}(?![\w\-/]|\.\d)/g;
const PHONE_TRUNK0 = /(?<![\w+\-./:]|\d[ .\-])(?:\(0\d{1,4}\)|0\d{1,4})(?:[ .\-/]\d{2,8}){1,4}(?![\w\-/:]|\.\d)/g;
const SSN_SHAPE = /^\d{3}([\- ])\d{2}\1\d{4}$/;
const TRUNK0_COUNTRIES: CountryCode[] = ['GB', 'FR', 'DE', 'IT', 'NL', 'BE', 'CH', 'AT', 'AU'];
// A bare digit run right after a phone word: "call me back 4155550199", "Tel. 0612345678".
const PHONE_CONTEXT = /(?:[Pp]hone|[Tt]el|[Tt]elephone|[Mm]obile|[Cc]ell|[Cc]all(?: me)?(?: back)?(?: at| on)?|[Ww]hats[Aa]pp|[Ff]ax|[Tt]éléphone|[Pp]ortable|[Tt]eléfono|[Mm]óvil|[Tt]elefon|[Hh]andy|[Tt]elefono|[Cc]ellulare)\.?:?[ ]{0,3}(?:(?:no|number|nr|n°)\.?:?[ ]{0,2})?(\+?\d{9,13})(?![\w\-/]|\.\d)/g;
const CONTEXT_COUNTRIES: CountryCode[] = ['US', 'GB', 'FR', 'DE', 'ES', 'IT', 'NL'];

// ---------- financial / government ----------

const CARD_RE = /(?<![\w\-.])(?:\d{4}([ \-])\d{4}\1\d{4}\1\d{1,7}|3[47]\d{2}([ \-])\d{6}\2\d{5}|3[0689]\d{2}([ \-])\d{6}\3\d{4}|\d{12,19})(?![\w\-]|\.\d|,\d{3}(?!\d))/g;
const IBAN_RE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g;
const SSN_RE = /(?<![\w\-.])(\d{3})([\- ])(\d{2})\2(\d{4})(?![\w\-]|\.\d)|(?<=\b(?:SSN|[Ss]ocial [Ss]ecurity(?: [Nn](?:o\.?|umber))?)\s*[:#]?\s*)(\d{3})(\d{2})(\d{4})\b/g;
const NINO_RE = /\b([A-Z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])\b/g;
const INSEE_RE = /(?<![\w.])([1-478]) ?(\d{2}) ?(0[1-9]|1[0-2]|[2-4]\d|50|99) ?(\d{2}|2[AB]) ?(\d{3}) ?(\d{3}) ?(\d{2})(?![\w]|[.,]\d)/g;
const DNI_RE = /\b(\d{8})[ \-]?([A-Z])\b/g;
const NIE_RE = /\b([XYZ])[ \-]?(\d{7})[ \-]?([A-Z])\b/g;

// ---------- network ----------

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_RE = new RegExp(`(?<![\\w.\\-])${OCTET}(?:\\.${OCTET}){3}(?![\\w\\-]|\\.\\d)`, 'g');
const IPV6_RE = /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|:)(?::[0-9A-Fa-f]{0,4}){2,7}(?:%[\w.]+)?(?![\w:])/g;

// ---------- secrets ----------

const KEYISH = '(?:(?:api[_\\-. ]?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|access[_\\-]?key|private[_\\-]?key|client[_\\-]?secret|credentials?|auth[_\\-]?key|signing[_\\-]?key|bearer)[A-Za-z0-9_\\-]*)';
const GENERIC_RE = new RegExp(`${KEYISH}["']?\\s*(?:[:=]|=>|:=)\\s*["'\`]?([^\\s"'\`,;)}\\]]{8,256})|\\b[Bb]earer\\s+([A-Za-z0-9_\\-.=+/]{20,512})|\\b(?:passw(?:or)?d|passcode|pwd)\\s+(?:is|was|es|est|ist)\\s+["'\`]?([^\\s"'\`,;]{6,64})`, 'gi');

function secretLike(v: string, min = 16): boolean {
  if (v.length < min) return false;
  if (/^[a-z]+(?:[_\-.][a-z]+)*$/i.test(v)) return false; // words, identifiers
  if (/^(?:https?:\/\/|\/|\.\/|~\/)/.test(v)) return false; // URLs, paths
  if (/^\d+(?:\.\d+)*$/.test(v)) return false; // numbers, versions
  if (/^(?:true|false|null|none|undefined|required|optional|string)$/i.test(v)) return false;
  if (/[()]/.test(v)) return false; // code: request.headers.get(...), os.getenv(...)
  return charClasses(v) >= 2 && entropy(v) >= 3.0 && !isPlaceholder(v); // the costliest test last
}

const PASSWORD_NAME = /passw(?:or)?d|passwd|pwd/i;

export const DETECTORS: Detector[] = [
  {
    type: 'PRIVATE_KEY',
    rule: 'pem_private_key',
    priority: 0,
    hints: ['PRIVATE KEY'],
    anchors: ['-----begin '],
    re: /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----(?:[\s\S]{0,16384}?-----END \1-----|[A-Za-z0-9+\/=\s\\n:,\-]{64,16384})/g,
    check: (m) => {
      const body = m[0].replace(/-----[A-Z ]+-----/g, '').replace(/\\n|\s/g, '');
      return body.length >= 64 && !isPemPlaceholder(body) ? whole(m) : null;
    },
  },
  {
    type: 'ANTHROPIC_KEY',
    rule: 'anthropic_key',
    priority: 1,
    hints: ['sk-ant-'],
    anchors: ['sk-ant-'],
    re: /(?<![A-Za-z0-9_\-])sk-ant-(?:api|admin|oat|sid)\d{2}-[A-Za-z0-9_\-]{32,128}(?![A-Za-z0-9_\-])/g,
    check: (m) => (isPlaceholder(m[0]) ? null : whole(m)),
  },
  {
    type: 'OPENAI_KEY',
    rule: 'openai_key',
    priority: 1,
    hints: ['sk-'],
    anchors: ['sk-'],
    re: /(?<![A-Za-z0-9_\-])sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{32,200}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{48})(?![A-Za-z0-9_\-])/g,
    check: (m) => (isPlaceholder(m[0]) || entropy(m[0]) < 3.5 ? null : whole(m)),
  },
  {
    type: 'AWS_ACCESS_KEY',
    rule: 'aws_access_key_id',
    priority: 1,
    hintRe: /A[KS]IA|AROA|AIDA|ABIA|ACCA/,
    anchors: ['akia', 'asia', 'abia', 'acca', 'aroa', 'aida'],
    re: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[A-Z2-7]{16}(?![A-Z0-9])/g,
    check: (m) => (m[0].endsWith('EXAMPLE') || isPlaceholder(m[0]) ? null : whole(m)),
  },
  {
    type: 'AWS_SECRET_KEY',
    rule: 'aws_secret_access_key',
    priority: 1,
    hintRe: /secret.?access.?key|aws.?secret|SecretAccessKey/i,
    anchors: ['secret', 'aws'],
    re: /(?:secret.?access.?key|aws.?secret(?:.?key)?|SecretAccessKey)["']?\s*(?:[:=]|=>)\s*["']?([A-Za-z0-9\/+]{40})(?![A-Za-z0-9\/+=])/gi,
    check: (m) => {
      const v = m[1]!;
      return v.includes('EXAMPLE') || isPlaceholder(v) || entropy(v) < 4 ? null : groupSpan(m, 1);
    },
  },
  {
    type: 'GCP_API_KEY',
    rule: 'gcp_api_key',
    priority: 1,
    hints: ['AIza'],
    anchors: ['aiza'],
    re: /(?<![A-Za-z0-9_\-])AIza[0-9A-Za-z_\-]{35}(?![A-Za-z0-9_\-])/g,
    check: (m) => (isPlaceholder(m[0]) ? null : whole(m)),
  },
  {
    type: 'GITHUB_TOKEN',
    rule: 'github_token',
    priority: 1,
    hints: ['gh', 'github_pat_'],
    anchors: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    re: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{70,100})(?![A-Za-z0-9_])/g,
    check: (m) => (isPlaceholder(m[0]) || entropy(m[0]) < 3.5 ? null : whole(m)),
  },
  {
    type: 'SLACK_TOKEN',
    rule: 'slack_token',
    priority: 1,
    hints: ['xox', 'xapp-', 'hooks.slack.com'],
    anchors: ['xox', 'xapp-', 'https://hooks.slack.com/'],
    re: /(?<![A-Za-z0-9_\-])(?:xox[abposre]-[A-Za-z0-9\-]{10,250}|xapp-\d-[A-Za-z0-9\-]{20,250})(?![A-Za-z0-9_\-])|https:\/\/hooks\.slack\.com\/(?:services|workflows)\/T[A-Z0-9]{6,}\/[A-Z0-9]{6,}\/[A-Za-z0-9]{16,}/g,
    check: (m) => (isPlaceholder(m[0]) ? null : whole(m)),
  },
  {
    type: 'STRIPE_KEY',
    rule: 'stripe_key',
    priority: 1,
    hints: ['_live_', '_test_', 'whsec_'],
    anchors: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'whsec_'],
    re: /(?<![A-Za-z0-9_])(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,247}|whsec_[A-Za-z0-9]{24,64})(?![A-Za-z0-9_])/g,
    check: (m) => (isPlaceholder(m[0]) || entropy(m[0]) < 3.5 ? null : whole(m)),
  },
  {
    type: 'JWT',
    rule: 'jwt',
    priority: 1,
    hints: ['eyJ'],
    anchors: ['eyj'],
    re: /(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,4096}\.eyJ[A-Za-z0-9_\-]{8,8192}\.[A-Za-z0-9_\-]{0,2048}(?![A-Za-z0-9_\-])/g,
    check: (m) => {
      try {
        const h = JSON.parse(Buffer.from(m[0].slice(0, m[0].indexOf('.')), 'base64url').toString('utf8'));
        return h && typeof h === 'object' && ('alg' in h || 'typ' in h) ? whole(m) : null;
      } catch {
        return null;
      }
    },
  },
  {
    type: 'CONNECTION_STRING',
    rule: 'url_password',
    priority: 2,
    hints: ['://'],
    anchors: ['://'],
    re: /:\/\/[^\s:@\/?#"'<>]{0,128}:([^\s@\/?#"'<>]{1,256})@[A-Za-z0-9\[]/g,
    check: (m) => {
      const v = decodeURIComponentSafe(m[1]!);
      if (isPlaceholder(v) || /^(?:pass(?:word)?|pwd|secret|x+|\*+|user|admin|[A-Z_]+)$/i.test(v) || /^\$|^%|^:/.test(v)) return null;
      return groupSpan(m, 1);
    },
  },
  {
    type: 'CONNECTION_STRING',
    rule: 'conn_string_password',
    priority: 2,
    hintRe: /(?:Password|Pwd)\s*=/i,
    anchors: ['password', 'pwd'],
    back: 1,
    re: /(?:^|[;"'\s])(?:Password|Pwd)\s*=\s*([^;"'\s]{3,128})/gi,
    check: (m, text) => {
      const v = m[1]!;
      // Only inside a connection string: another key=value; pair on the same line.
      const ls = text.lastIndexOf('\n', m.index) + 1;
      let le = text.indexOf('\n', m.index + m[0].length);
      if (le === -1) le = text.length;
      const line = text.slice(ls, le);
      if (!/(?:Server|Data Source|Host|User ID|Uid|Database|Initial Catalog|Port)\s*=/i.test(line)) return null;
      if (isPlaceholder(v) || /^(?:pass(?:word)?|pwd|secret|\*+|x+)$/i.test(v)) return null;
      return groupSpan(m, 1);
    },
  },
  {
    type: 'GENERIC_SECRET',
    rule: 'keyword_entropy',
    priority: 5,
    hintRe: /key|secret|token|passw|pwd|credential|bearer/i,
    anchors: ['api', 'secret', 'token', 'passw', 'pwd', 'access', 'private', 'client', 'credential', 'auth', 'signing', 'bearer', 'passcode'],
    re: GENERIC_RE,
    check: (m) => {
      if (m[2] !== undefined) return secretLike(m[2], 20) ? groupSpan(m, 2) : null;
      if (m[3] !== undefined) {
        const w = m[3].replace(/[.!?]$/, '');
        if (isPlaceholder(w) || charClasses(w) < 3 || w.length < 6) return null;
        const st = m.index + m[0].lastIndexOf(m[3]);
        return [st, st + w.length];
      }
      const v = m[1]!;
      const name = m[0].slice(0, m[0].length - v.length);
      // Settings *about* a secret (password_policy, token_ttl, api_key_header) are not secrets.
      if (/[_\-.](?:policy|length|len|ttl|expiry|expires?|header|url|uri|file|path|type|name|field|count|prefix|format|env|var|min|max|timeout|endpoint|regex|pattern|rotation|strength|hint|label)["']?\s*(?:[:=]|=>|:=)\s*["'`]?$/i.test(name)) return null;
      if (PASSWORD_NAME.test(name)) {
        if (v.length < 6 || isPlaceholder(v) || charClasses(v) < 2 || /^(?:\$|%|\{|<|\(|\[)/.test(v) || /^[a-z]+(?:[_\-.][a-z]+)*$/i.test(v)) return null;
        return groupSpan(m, 1);
      }
      return secretLike(v) ? groupSpan(m, 1) : null;
    },
  },
];

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Structured PII detectors (digits and checksums). */
export const PII_DETECTORS: Detector[] = [
  {
    type: 'CREDIT_CARD',
    rule: 'card_luhn',
    needsDigit: true,
    digits: { min: 12, pre: 0, run: (n) => n === 4 || (n >= 12 && n <= 19) },
    priority: 3,
    re: CARD_RE,
    check: (m) => {
      const d = m[0].replace(/[ \-]/g, '');
      return d.length >= 12 && d.length <= 19 && luhn(d) && cardBrand(d) && !/^(\d)\1+$/.test(d) ? whole(m) : null;
    },
  },
  {
    type: 'IBAN',
    rule: 'iban_mod97',
    needsDigit: true,
    priority: 3,
    re: IBAN_RE,
    check: (m) => (ibanValid(m[0].replace(/ /g, '')) ? whole(m) : null),
  },
  {
    type: 'US_SSN',
    rule: 'us_ssn',
    needsDigit: true,
    digits: { min: 9, pre: 0, run: (n) => n === 3 || n === 9 },
    priority: 4,
    re: SSN_RE,
    check: (m) => {
      if (m[1] !== undefined) return ssnValid(m[1], m[3]!, m[4]!) ? whole(m) : null;
      return ssnValid(m[5]!, m[6]!, m[7]!) ? whole(m) : null;
    },
  },
  {
    type: 'UK_NINO',
    rule: 'uk_nino',
    needsDigit: true,
    digits: { min: 6, pre: 3, run: (n) => n === 2 || n === 4 || n === 6 },
    priority: 4,
    re: NINO_RE,
    check: (m) => (ninoValid(m[1]!) ? whole(m) : null),
  },
  {
    type: 'FR_INSEE',
    rule: 'fr_insee',
    needsDigit: true,
    digits: { min: 14, pre: 0 },
    priority: 3,
    re: INSEE_RE,
    check: (m) => (inseeValid(m[1]! + m[2]! + m[3]! + m[4]! + m[5]! + m[6]!, m[7]!) ? whole(m) : null),
  },
  {
    type: 'ES_DNI',
    rule: 'es_dni',
    needsDigit: true,
    digits: { min: 8, pre: 0, run: (n) => n === 8 },
    priority: 4,
    re: DNI_RE,
    check: (m) => (dniValid(m[1]!, m[2]!) ? whole(m) : null),
  },
  {
    type: 'ES_NIE',
    rule: 'es_nie',
    needsDigit: true,
    digits: { min: 7, pre: 2, run: (n) => n === 7 },
    priority: 4,
    hintRe: /[XYZ]/,
    re: NIE_RE,
    check: (m) => (nieValid(m[1]!, m[2]!, m[3]!) ? whole(m) : null),
  },
  {
    type: 'PHONE',
    rule: 'phone_intl',
    needsDigit: true,
    priority: 6,
    hintRe: /\+\d|00[1-9]/,
    re: PHONE_INTL,
    check: (m) => (phoneValid(m[0], null) ? whole(m) : null),
  },
  {
    type: 'PHONE',
    rule: 'phone_nanp',
    needsDigit: true,
    digits: { min: 10, pre: 1, run: (n) => n === 3 },
    priority: 6,
    re: PHONE_NANP,
    check: (m) => (phoneValid(m[0], ['US', 'CA']) ? whole(m) : null),
  },
  {
    type: 'PHONE',
    rule: 'phone_national',
    needsDigit: true,
    priority: 7,
    hintRe: /(?:^|[^\d])0\d/,
    re: PHONE_TRUNK0,
    check: (m) => {
      const digits = m[0].replace(/\D/g, '');
      if (digits.length < 9) return null;
      // 3-2-4 groups (078-05-1120, 078 05 1120) are the US SSN shape, not a national phone format anywhere in
      // TRUNK0_COUNTRIES: an invalid SSN must not come back as a phone number.
      if (SSN_SHAPE.test(m[0])) return null;
      return phoneValid(m[0], TRUNK0_COUNTRIES) ? whole(m) : null;
    },
  },
  {
    type: 'PHONE',
    rule: 'phone_context',
    needsDigit: true,
    priority: 7,
    hintRe: /[Pp]hone|[Tt]el|[Mm]obile|[Cc]ell|[Cc]all|[Ww]hats|[Ff]ax|[Pp]ortable|[Mm]óvil|[Hh]andy/,
    anchors: ['phone', 'tel', 'mobile', 'cell', 'call', 'whatsapp', 'fax', 'téléphone', 'portable', 'móvil', 'handy'],
    re: PHONE_CONTEXT,
    check: (m) => (phoneValid(m[1]!, m[1]!.startsWith('+') ? null : CONTEXT_COUNTRIES) ? groupSpan(m, 1) : null),
  },
  {
    type: 'IP_ADDRESS',
    rule: 'ipv4',
    needsDigit: true,
    priority: 6,
    hints: ['.'],
    re: IPV4_RE,
    check: (m, text) => {
      // Not a version or product token: v1.2.3.4, "version 10.0.0.1", Chrome/120.0.0.0
      const before = text.slice(Math.max(0, m.index - 16), m.index);
      if (/(?:\b[vV]|\b(?:[Vv]ersion|[Ff]irmware|[Bb]uild|[Rr]elease|[Vv]er\.?|fw|FW)["']?\s*[:=]?\s*["']?|[A-Za-z]\/)$/.test(before)) return null;
      return whole(m);
    },
  },
  {
    type: 'IP_ADDRESS',
    rule: 'ipv6',
    priority: 6,
    hintRe: /[0-9A-Fa-f]:[0-9A-Fa-f]{0,4}:/,
    // The first ':' of an address is followed by 0-4 hex digits and another ':', at most 4 characters in.
    anchorRe: /:[0-9A-Fa-f]{0,4}:/g,
    back: 4,
    re: IPV6_RE,
    check: (m) => {
      const v = m[0].replace(/%.*$/, '');
      if (!net.isIPv6(v)) return null;
      const groups = v.split(':').filter(Boolean);
      if (!v.includes('::') ? groups.length !== 8 : groups.length < 2 || !/\d/.test(v)) return null;
      return whole(m);
    },
  },
];

// ---------- identity (cue-based, off by default) ----------

const NAME = "[A-Z][a-zà-öø-ÿ]+(?:[\\-'][A-Z]?[a-zà-öø-ÿ]+)?";
const FULLNAME = `${NAME}(?:[ ]+(?:(?:van|von|de|del|la|da|di|le)[ ]+)?${NAME}){1,2}`;
const NAME_RE = new RegExp(
  [
    `(?<=\\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Mme|Mlle|Herr|Frau|Sr|Sra|Señor|Señora|Monsieur|Madame)\\.?[ ]+)${NAME}(?:[ ]+${NAME}){0,2}`,
    `(?<=\\b(?:Dear|Hi|Hello|Bonjour|Hola|Hallo|Liebe|Lieber|Cher|Chère|Estimado|Estimada)[ ]+)${FULLNAME}`,
    `(?<=(?:^|\\n)[ \\t]*(?:Name|Full [Nn]ame|Customer|Contact|Patient|Employee|Client|Nom|Nombre|Kunde|Assignee|Reporter|From|To|Cc|Author|Signed)[ \\t]*:[ \\t]*)${FULLNAME}`,
    `(?<=(?:Regards|Best|Thanks|Thank you|Cheers|Sincerely|Cordialement|Saludos|Grüße|Grüßen|Gruß|Bien à vous|Atentamente|Cordiali saluti|Met vriendelijke groet),?[ \\t]*\\n[ \\t]*)${FULLNAME}`,
    `(?<=\\b(?:[Mm]y name is|I am|I'm|[Jj]e m'appelle|[Jj]e suis|[Mm]e llamo|[Ss]oy|[Ii]ch heiße|[Ii]ch bin|[Mm]i chiamo|[Ss]ono|[Ii]k ben)[ ]+)${FULLNAME}`,
    `(?<=\\b(?:Kontoinhaber|[Tt]itular|[Tt]itulaire|[Aa]ccount holder|[Cc]ardholder|t\\.n\\.v\\.|[Aa]pplicant|[Ee]mployee|[Ss]olicitud de|[Rr]equest from|[Aa]ttn\\.?)[:]?[ ]+)${FULLNAME}`,
  ].join('|'),
  'g',
);
const NON_NAMES = /^(?:The|This|That|Team|Support|Customer|Service|Admin|Sales|Billing|Hello|Dear|Sir|Madam|All|Everyone|Thanks|Regards|Best|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|June|July|August|September|October|November|December)\b/;

const STREET_SUFFIX = 'Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy|Circle|Square|Sq|Close|Crescent|Gardens|Grove|Row|Mews';
const ADDRESS_RE = new RegExp(
  [
    `\\b\\d{1,5}[A-Za-z]?,?[ ]+(?:[A-Z][a-z]+\\.?[ ]+){1,4}(?:${STREET_SUFFIX})\\b\\.?(?:,?[ ]+(?:Apt|Suite|Ste|Unit|Flat|#)\\.?[ ]*\\w+)?`,
    `\\b\\d{1,4}(?:[ ]?(?:bis|ter))?,?[ ]+(?:rue|avenue|boulevard|bd|place|chemin|allée|impasse|quai|route|cours)[ ]+(?:d[eu][ ]+(?:la[ ]+)?|des[ ]+|de[ ]+l'|l')?[A-ZÀ-Ý][\\wÀ-ÿ'\\-]+(?:[ ]+[A-ZÀ-Ý][\\wÀ-ÿ'\\-]+){0,3}`,
    `\\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\\.|weg|platz|allee|gasse|ring|damm)[ ]+\\d{1,4}[a-z]?\\b`,
    `\\b(?:Calle|C\\/|Avda\\.?|Avenida|Plaza|Paseo|Carrer)[ ]+(?:de[ ]+(?:la[ ]+|los[ ]+|las[ ]+)?)?[A-ZÁÉÍÓÚÑ][\\wáéíóúñ]+(?:[ ]+[A-ZÁÉÍÓÚÑ][\\wáéíóúñ]+){0,3},?[ ]+(?:n[ºo°]\\.?[ ]?)?\\d{1,4}`,
    `\\b(?:GIR 0AA|[A-PR-UWYZ][A-HK-Y]?\\d[A-Z\\d]?[ ]\\d[ABD-HJLNP-UW-Z]{2})\\b`,
  ].join('|'),
  'g',
);

export const IDENTITY_DETECTORS: Detector[] = [
  {
    type: 'PERSON_NAME',
    rule: 'name_cue',
    priority: 9,
    re: NAME_RE,
    check: (m) => (NON_NAMES.test(m[0]) ? null : whole(m)),
  },
  {
    type: 'STREET_ADDRESS',
    rule: 'street_address',
    priority: 8,
    re: ADDRESS_RE,
  },
];

export const ALL_DETECTORS: Detector[] = [...DETECTORS, ...PII_DETECTORS, ...IDENTITY_DETECTORS];

/** Every literal some detector anchors on (for the caller's combined literal pass). */
export function anchorWords(dets: Detector[]): string[] {
  return [...new Set(dets.flatMap((d) => d.anchors ?? []))];
}

const stickyOf = new WeakMap<Detector, RegExp>();
function sticky(d: Detector): RegExp {
  let re = stickyOf.get(d);
  if (!re) stickyOf.set(d, (re = new RegExp(d.re.source, d.re.flags.replace('g', '') + 'y')));
  return re;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** A run of digits whose neighbours are at most two characters apart: [first digit, last digit + 1, digit count]. */
export type Cluster = [number, number, number];
const CLUSTER_RE = /\d(?:\D{0,2}\d){5,}/g;
/** Digit clusters with at least 6 digits (the fewest any digits-anchored detector needs). */
export function digitClusters(text: string): Cluster[] {
  const out: Cluster[] = [];
  CLUSTER_RE.lastIndex = 0;
  for (let m = CLUSTER_RE.exec(text); m !== null; m = CLUSTER_RE.exec(text)) {
    const s = m.index;
    const e = s + m[0].length;
    let n = 0;
    for (let i = s; i < e; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) n++;
    }
    out.push([s, e, n]);
  }
  return out;
}

/** What a scan can share between detectors: literal occurrences (anchors.ts) and digit clusters. */
export interface Prefilter {
  hits: Hits | null;
  clusters: Cluster[] | null;
  /** Whether the text holds a digit (detectors marked needsDigit skip texts without one). */
  hasDigit?: boolean;
}

/**
 * Runs one detector over the text, appending findings. With a prefilter, an anchored detector runs only where a
 * match can start (literal anchors, digit clusters); the result is the same as a full scan.
 */
export function runDetector(d: Detector, text: string, out: Finding[], pre?: Prefilter): void {
  if (d.needsDigit && pre?.hasDigit === false) return;
  if (pre?.hits && d.anchors) {
    if (pre.hits.size === 0) return;
    const back = d.back ?? 0;
    const cands: number[] = [];
    for (const w of d.anchors) {
      const pos = pre.hits.get(w);
      if (pos) for (const q of pos) for (let p = Math.max(0, q - back); p <= q; p++) cands.push(p);
    }
    if (cands.length) runAt(d, text, out, cands, d.anchors.length > 1 || back > 0);
    return;
  }
  if (d.anchorRe) {
    const back = d.back ?? 0;
    const cands: number[] = [];
    const a = d.anchorRe;
    a.lastIndex = 0;
    for (let m = a.exec(text); m !== null; m = a.exec(text)) {
      for (let p = Math.max(0, m.index - back); p <= m.index; p++) cands.push(p);
      a.lastIndex = m.index + 1;
    }
    if (cands.length) runAt(d, text, out, cands, back > 0);
    return;
  }
  if (pre?.clusters && d.digits) {
    const { min, pre: before, run } = d.digits;
    const cands: number[] = [];
    for (const [s, e, n] of pre.clusters) {
      if (n < min) continue;
      // Each digit run of the cluster (a cluster starts with a digit that follows a non-digit).
      for (let i = s; i < e; ) {
        let j = i + 1;
        while (j < e && isDigit(text.charCodeAt(j))) j++;
        if (!run || run(j - i)) for (let p = Math.max(0, i - before); p <= i; p++) cands.push(p);
        i = j;
        while (i < e && !isDigit(text.charCodeAt(i))) i++;
      }
    }
    if (cands.length) runAt(d, text, out, cands, before > 0);
    return;
  }
  if (d.hints && !d.hints.some((h) => text.includes(h))) return;
  if (d.hintRe && !d.hintRe.test(text)) return;
  const re = d.re;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const span = d.check ? d.check(m, text) : whole(m);
    if (span) out.push({ type: d.type, start: span[0], end: span[1], rule: d.rule });
  }
}

/** The global scan's matches, trying `re` (sticky) only at candidate starts, in order, past what a match consumed. */
function runAt(d: Detector, text: string, out: Finding[], cands: number[], unsorted: boolean): void {
  if (unsorted) cands.sort((a, b) => a - b);
  const re = sticky(d);
  let next = 0;
  for (const p of cands) {
    if (p < next) continue;
    re.lastIndex = p;
    const m = re.exec(text);
    if (m === null || m[0].length === 0) {
      next = p + 1;
      continue;
    }
    next = p + m[0].length;
    const span = d.check ? d.check(m, text) : whole(m);
    if (span) out.push({ type: d.type, start: span[0], end: span[1], rule: d.rule });
  }
}

/**
 * Keeps the best of overlapping findings: lower priority number first, then the longer span.
 * `prio` maps a rule to its priority (custom rules come in with their own).
 */
export function resolveOverlaps(found: Finding[], prio: (f: Finding) => number): Finding[] {
  if (found.length < 2) return found;
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Finding[] = [];
  // Sweep clusters of mutually overlapping spans; resolve each (small) cluster greedily by priority then length.
  let i = 0;
  while (i < found.length) {
    let j = i + 1;
    let end = found[i]!.end;
    while (j < found.length && found[j]!.start < end) end = Math.max(end, found[j++]!.end);
    if (j - i === 1) out.push(found[i]!);
    else {
      const cluster = found.slice(i, j).sort((a, b) => prio(a) - prio(b) || b.end - b.start - (a.end - a.start) || a.start - b.start);
      const kept: Finding[] = [];
      for (const f of cluster) if (!kept.some((k) => f.start < k.end && k.start < f.end)) kept.push(f);
      kept.sort((a, b) => a.start - b.start);
      out.push(...kept);
    }
    i = j;
  }
  return out;
}
