// Checksums and validity rules behind the structured detectors. Pure functions, no allocation on the hot path
// beyond what the caller passes.

/** Luhn (mod 10) over a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** Card brand by issuer range (IIN) and length, or null when no known network issues such a number. */
export function cardBrand(d: string): string | null {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4' && (n === 13 || n === 16 || n === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) return 'mastercard';
  if ((p2 === 34 || p2 === 37) && n === 15) return 'amex';
  if ((p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) && n >= 16 && n <= 19) return 'discover';
  if (p4 >= 3528 && p4 <= 3589 && n >= 16 && n <= 19) return 'jcb';
  if (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) && n >= 14 && n <= 19) return 'diners';
  if (p2 === 62 && n >= 16 && n <= 19) return 'unionpay';
  if ([5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].includes(p4) && n >= 12 && n <= 19) return 'maestro';
  return null;
}

/** IBAN lengths per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24,
  DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29,
  RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22,
  VG: 24, XK: 20,
};

/** ISO 13616 mod-97 check of a compact (no spaces), upper-case IBAN. */
export function ibanValid(iban: string): boolean {
  const len = IBAN_LENGTHS[iban.slice(0, 2)];
  if (len === undefined || iban.length !== len) return false;
  const s = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/**
 * Numbers the SSA never issued although they look valid: 078-05-1120 (the Woolworth wallet-card sample, voided by
 * the SSA), 219-09-9999 (an SSA advertising pamphlet) and 123-45-6789 (the textbook example in forms, docs and ads).
 * (987-65-4320…4329, also reserved for advertising, already fall in the never-issued 9xx area.)
 */
export const KNOWN_INVALID_SSNS: ReadonlySet<string> = new Set(['078051120', '219099999', '123456789']);

/** US SSN validity: area not 000/666/9xx, group not 00, serial not 0000, and not a known never-issued sample. */
export function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (group === '00' || serial === '0000') return false;
  return !KNOWN_INVALID_SSNS.has(area + group + serial);
}

const NINO_BAD_PREFIX = new Set(['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ']);
/** UK NINO prefix rules (HMRC): first letter not D F I Q U V; second not D F I O Q U V; some pairs never issued. */
export function ninoValid(prefix: string): boolean {
  if (NINO_BAD_PREFIX.has(prefix)) return false;
  if ('DFIQUV'.includes(prefix[0]!)) return false;
  if ('DFIOQUV'.includes(prefix[1]!)) return false;
  return true;
}

/** French INSEE number: 13 digits (Corsica 2A/2B allowed) + 2-digit key = 97 - (n mod 97). */
export function inseeValid(body13: string, key: string): boolean {
  const s = body13.replace('2A', '19').replace('2B', '18');
  if (!/^\d{13}$/.test(s)) return false;
  let rem = 0;
  for (let i = 0; i < 13; i++) rem = (rem * 10 + (s.charCodeAt(i) - 48)) % 97;
  return 97 - rem === Number(key);
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';
export function dniValid(num8: string, letter: string): boolean {
  return DNI_LETTERS[Number(num8) % 23] === letter;
}
export function nieValid(prefix: string, num7: string, letter: string): boolean {
  return dniValid(String('XYZ'.indexOf(prefix)) + num7, letter);
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  // Counts in a reused table; summed in first-occurrence order (the order a Map would give: same float result).
  const order: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (COUNTS[c]!++ === 0) order.push(c);
  }
  let h = 0;
  for (const c of order) {
    const p = COUNTS[c]! / s.length;
    h -= p * Math.log2(p);
    COUNTS[c] = 0;
  }
  return h;
}
const COUNTS = new Uint32Array(65536);

/** How many of lower / upper / digit / symbol classes occur. */
export function charClasses(s: string): number {
  let l = 0,
    u = 0,
    d = 0,
    o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) l = 1;
    else if (c >= 65 && c <= 90) u = 1;
    else if (c >= 48 && c <= 57) d = 1;
    else o = 1;
  }
  return l + u + d + o;
}

const PLACEHOLDER_RE = /x{4,}|\*{3,}|\.{3}|…|your|example|placeholder|changeme|change_me|dummy|sample|redacted|replace|insert|fake|<|>|\$\{|\{\{|%s|\$[A-Z_]{3,}|process\.env|os\.environ|getenv/i;

/**
 * Documentation and template values (sk-xxxx, your-api-key, ${TOKEN}, AKIA...EXAMPLE, sk-proj-abcdef…123456) that
 * are not real secrets. A sequential run (1234567890, abcdefgh) inside an otherwise random-looking value is NOT
 * enough: hand-typed test keys and real tokens carry such runs. Only a value whose body is *made of* runs,
 * repeats and filler words is (see lowInformation).
 */
export function isPlaceholder(v: string): boolean {
  return PLACEHOLDER_RE.test(v) || hasRepeatRun(v, 6) || lowInformation(v);
}

/** Fixed prefixes of provider key formats: not part of the random body. */
const KEY_PREFIX_RE = /^(?:sk-ant-(?:api|admin|oat|sid)\d{2}-|sk-(?:proj|svcacct|admin|None)-|sk-|(?:sk|rk)_(?:live|test)_|whsec_|gh[pousr]_|github_pat_|xox[abposre]-|xapp-\d-|AIza|A[KS]IA|ABIA|ACCA|AROA|AIDA)/;
/** Words a hand-made placeholder key body is built from ("sk-proj-my-test-key-1234…"); only inside provider key formats. */
const FILLER_RE = /test|demo|key|here|my|api|secret|token|proj|live|dev|prod|foo|bar|baz|qwerty|asdf|lorem|ipsum|t3blbkfj/g;

const NONE = 9;
/** Alphanumeric class code of an ASCII character: digits 0-9, letters (either case) 10-35, anything else -1. */
const CODE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) CODE[48 + i] = i;
for (let i = 0; i < 26; i++) CODE[65 + i] = CODE[97 + i] = 10 + i;

/** Step between two codes: +1 / -1 / 0 within letters or within digits (9→0 counts as +1), else NONE. */
function step(a: number, b: number): number {
  const da = a < 10;
  if (da !== b < 10) return NONE;
  let d = b - a;
  if (da) d = d === -9 ? 1 : d === 9 ? -1 : d;
  return d === 1 || d === -1 || d === 0 ? d : NONE;
}

/** Marks members of runs (consistent step +1/-1/0) of at least `min` elements among c[o], c[o+k], c[o+2k], … (n items). */
function markRuns(c: Int8Array, n: number, o: number, k: number, min: number, covered: Uint8Array): number {
  let runs = 0;
  let i = o;
  while (i + k < n) {
    const st = step(c[i]!, c[i + k]!);
    if (st === NONE) {
      i += k;
      continue;
    }
    let j = i + k;
    while (j + k < n && step(c[j]!, c[j + k]!) === st) j += k;
    if ((j - i) / k + 1 >= min) {
      runs++;
      for (let x = i; x <= j; x += k) covered[x] = 1;
    }
    i = j;
  }
  return runs;
}

function bitCount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

// Scratch buffers (candidates are short; grown on demand, never shrunk): no allocation per call.
let C = new Int8Array(256);
let COVERED = new Uint8Array(256);

/**
 * Whether a value carries almost no information: the body (after a provider key prefix; separators ignored) is
 * a periodic pattern, uses at most 4 distinct characters, or consists of alphabet/digit runs (abc…, 123…, 987…,
 * also interleaved a1b2c3…), repeated characters and — in provider key formats — filler words, with at most three
 * other characters. Short values (under 16 alphanumerics: passwords) only when the whole value is one run
 * (12345678, abcdefgh): a password like Abcd1234! or MyPass12345678 is a real, if weak, password.
 */
export function lowInformation(v: string): boolean {
  const pre = KEY_PREFIX_RE.exec(v);
  const from = pre ? pre[0].length : 0;
  if (v.length - from > C.length) {
    C = new Int8Array(v.length * 2);
    COVERED = new Uint8Array(v.length * 2);
  }
  const c = C;
  let n = 0;
  let seenDigits = 0; // bit per digit
  let seenLetters = 0; // bit per letter
  // Pairs one or two apart with a run step (+1/-1/0); digits and digit pairs. A run of L items has L-1 such pairs,
  // so runs cover at most 2 * pairs characters: most real keys are rejected on these counts alone.
  let pairs = 0;
  let digits = 0;
  let digitPairs = 0;
  let p1 = -1; // previous code
  let p2 = -1; // the one before
  for (let i = from; i < v.length; i++) {
    const ch = v.charCodeAt(i);
    if (ch >= 128) continue;
    const x = CODE[ch]!;
    if (x < 0) continue;
    if (x < 10) {
      digits++;
      seenDigits |= 1 << x;
      if (p1 >= 0 && p1 < 10) {
        const d = x - p1;
        if (d >= -1 && d <= 1 || d === 9 || d === -9) {
          pairs++;
          digitPairs++;
        }
      }
      if (p2 >= 0 && p2 < 10) {
        const d = x - p2;
        if (d >= -1 && d <= 1 || d === 9 || d === -9) {
          pairs++;
          digitPairs++;
        }
      }
    } else {
      seenLetters |= 1 << (x - 10);
      if (p1 >= 10 && x - p1 >= -1 && x - p1 <= 1) pairs++;
      if (p2 >= 10 && x - p2 >= -1 && x - p2 <= 1) pairs++;
    }
    c[n++] = x;
    p2 = p1;
    p1 = x;
  }
  if (n < 6) return false;
  const covered = COVERED.fill(0, 0, n);
  if (n < 16) return markRuns(c, n, 0, 1, n, covered) === 1;
  if (bitCount(seenDigits) + bitCount(seenLetters) <= 4) return true;
  // Periodic: abab…, 1a2b1a2b…
  for (let p = 1; p <= 8; p++) {
    let i = p;
    while (i < n && c[i] === c[i - p]) i++;
    if (i === n) return true;
  }
  // Filler words are letters: digits no run covers stay uncovered.
  if (n - 2 * pairs > 3 && (!pre || digits - 2 * digitPairs > 3)) return false;
  markRuns(c, n, 0, 1, 3, covered);
  markRuns(c, n, 0, 2, 4, covered);
  markRuns(c, n, 1, 2, 4, covered);
  let u = 0;
  let ud = 0;
  for (let i = 0; i < n; i++) {
    if (!covered[i]) {
      u++;
      if (c[i]! < 10) ud++;
    }
  }
  if (u <= 3) return true;
  if (!pre || ud > 3) return false;
  let s = '';
  for (let i = 0; i < n; i++) s += c[i]! < 10 ? String.fromCharCode(48 + c[i]!) : String.fromCharCode(87 + c[i]!);
  FILLER_RE.lastIndex = 0;
  for (let m = FILLER_RE.exec(s); m; m = FILLER_RE.exec(s)) {
    for (let i = m.index; i < m.index + m[0].length; i++) {
      if (!covered[i]) {
        covered[i] = 1;
        u--;
      }
    }
  }
  return u <= 3;
}

/** A case-insensitive back-reference makes V8 interpret a regex (~100 ns a character): this folds like /(.)\1{5,}/i. */
function canon(c: number): number {
  if (c < 128) return c >= 97 && c <= 122 ? c - 32 : c;
  const u = String.fromCharCode(c).toUpperCase();
  if (u.length !== 1) return c;
  const uc = u.charCodeAt(0);
  return uc < 128 ? c : uc;
}
const isLineBreak = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/** Whether `n` consecutive characters (not line breaks) are equal, ignoring case: /(.)\1{n-1,}/i. */
export function hasRepeatRun(v: string, n: number): boolean {
  let run = 1;
  let prev = -1;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (isLineBreak(c)) {
      prev = -1;
      run = 1;
      continue;
    }
    const k = canon(c);
    if (k === prev) {
      if (++run >= n) return true;
    } else {
      prev = k;
      run = 1;
    }
  }
  return false;
}

const PEM_PLACEHOLDER_RE = /x{6,}|\.{3}|…|<|>|your|example|placeholder|redacted/i;
/** PEM bodies legitimately hold long runs of 'A' (zero bytes): only obvious templates are placeholders. */
export function isPemPlaceholder(body: string): boolean {
  return PEM_PLACEHOLDER_RE.test(body);
}
