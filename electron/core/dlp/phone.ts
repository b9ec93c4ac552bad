// Phone number validation with libphonenumber-js (max metadata), made cheap where it can be without changing a
// single verdict: a candidate that no country of its calling code could accept is rejected before the library
// parses it (~20 µs a call), and verdicts are remembered for the rest of the scan.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { Metadata } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/metadata.max.json';

const DATEISH = /^\d{4}[\-./]\d{1,2}[\-./]\d{1,2}$|^\d{1,2}[\-./]\d{1,2}[\-./]\d{2,4}$/;

/** The library's verdict, with no shortcut (the reference the fast path must agree with). */
export function phoneValidDirect(cand: string, countries: readonly CountryCode[] | null): boolean {
  const digits = cand.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) return false;
  if (DATEISH.test(cand.trim())) return false;
  if (!countries) {
    const p = parsePhoneNumberFromString(cand.startsWith('00') ? '+' + cand.slice(2) : cand);
    return !!p && p.isValid();
  }
  for (const c of countries) {
    const p = parsePhoneNumberFromString(cand, c);
    if (p && p.isValid()) return true;
  }
  return false;
}

// ---------- necessary conditions from the metadata ----------
//
// A number the library calls valid has a national significant number N that matches the national number pattern
// of the country it belongs to (the first test of getNumberType), and that country shares the calling code of
// the default country (national form) or of the '+' prefix (international form). N is what is left of the digits
// after removing the calling code (international form) and a national prefix / carrier code that the plan's
// "national prefix for parsing" strips, so N is a suffix of the digits with at most `maxStrip` leading digits
// removed, unless the plan has a transform rule (which can insert digits) or a prefix pattern we cannot bound:
// then no shortcut is taken. National input that starts with the country's international dialling prefix is
// parsed as international by the library: no shortcut either.

interface Plan {
  /** ^(?:pattern of each country sharing the calling code)$ */
  union: RegExp;
  /** How many leading digits the library may strip before validating; -1: unknown (no shortcut). */
  maxStrip: number;
  /** ^(?:international dialling prefix) */
  idd: RegExp | null;
}

/** The parts of the library's Metadata class used here (public methods, untyped in its .d.ts). */
interface PlanMetadata {
  selectNumberingPlan(country: CountryCode): void;
  nationalPrefixForParsing(): string | number | undefined;
  nationalPrefixTransformRule(): string | number | undefined;
  IDDPrefix(): string | number | undefined;
  nationalNumberPattern(): string;
  leadingDigits(): string | undefined;
  hasTypes(): boolean;
  type(t: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}
const md = new Metadata(metadataJson) as unknown as PlanMetadata;
const json = metadataJson as unknown as {
  country_calling_codes: Record<string, string[]>;
  countries: Record<string, [string, string, string, ...unknown[]]>;
  nonGeographic?: Record<string, [string, string, string, ...unknown[]]>;
};
const byCode = new Map<string, Plan | null>();
const byCountry = new Map<string, Plan | null>();

function unionOf(cc: string): RegExp | null {
  const list = json.country_calling_codes[cc];
  if (!list) return null;
  const pats = list.map((c) => (c === '001' ? json.nonGeographic?.[cc]?.[2] : json.countries[c]?.[2]));
  if (pats.some((p) => typeof p !== 'string' || !p)) return null;
  return new RegExp(`^(?:${pats.map((p) => `(?:${p})`).join('|')})$`);
}

/** The plan used to parse: its national prefix rules, with the union of patterns of its calling code. */
function planFor(country: string, cc: string): Plan | null {
  const union = unionOf(cc);
  if (!union) return null;
  try {
    md.selectNumberingPlan(country as CountryCode);
  } catch {
    return null;
  }
  // Absent values come back as 0 or undefined.
  const npfp = String(md.nationalPrefixForParsing() || '');
  const transform = md.nationalPrefixTransformRule() || null;
  // Only prefix patterns made of digits, classes and alternation have a bounded match length (their own length).
  const simple = !transform && /^[0-9|()[\]\-?:]*$/.test(npfp) && !/\?(?!:)/.test(npfp);
  const iddSrc = String(md.IDDPrefix() || '');
  return {
    union,
    // The calling code itself may be dropped from national input ("33 1 ..." in France), then the prefix.
    maxStrip: simple ? 3 + npfp.length : -1,
    idd: iddSrc ? new RegExp(`^(?:${iddSrc})`) : null,
  };
}

function countryPlan(country: string): Plan | null {
  if (!byCountry.has(country)) {
    const cc = json.countries[country]?.[0];
    byCountry.set(country, cc ? planFor(country, cc) : null);
  }
  return byCountry.get(country)!;
}

function codePlan(cc: string): Plan | null {
  if (!byCode.has(cc)) {
    const main = json.country_calling_codes[cc]?.[0];
    byCode.set(cc, main && main !== '001' ? planFor(main, cc) : main === '001' ? nonGeoPlan(cc) : null);
  }
  return byCode.get(cc)!;
}

function nonGeoPlan(cc: string): Plan | null {
  const union = unionOf(cc);
  // Non-geographic plans have no national prefix; allow a few digits anyway (bounded, still a necessary test).
  return union ? { union, maxStrip: 3, idd: null } : null;
}

function someSuffixMatches(d: string, p: Plan): boolean {
  for (let k = 0; k <= p.maxStrip && k < d.length; k++) if (p.union.test(d.slice(k))) return true;
  return false;
}

/** False only when the library would certainly reject `cand` for `country` (national form). */
function nationalMayBeValid(digits: string, country: CountryCode): boolean {
  const p = countryPlan(country);
  if (!p || p.maxStrip < 0 || (p.idd && p.idd.test(digits))) return true;
  return someSuffixMatches(digits, p);
}

/** False only when the library would certainly reject `+digits`. */
function internationalMayBeValid(digits: string): boolean {
  for (let n = 1; n <= 3 && n < digits.length; n++) {
    const cc = digits.slice(0, n);
    if (!json.country_calling_codes[cc]) continue;
    const p = codePlan(cc);
    if (!p || p.maxStrip < 0) return true;
    return someSuffixMatches(digits.slice(n), p);
  }
  return true; // no known calling code: let the library say so
}

/**
 * Verdicts remembered during one scan (values stay in memory only until the scan ends: the engine clears this).
 */
export const phoneMemo = new Map<string, boolean>();

/** Same verdict as phoneValidDirect, faster. */
export function phoneValid(cand: string, countries: readonly CountryCode[] | null, key = countries ? countries.join(',') : '+'): boolean {
  const mk = key + '|' + cand;
  const known = phoneMemo.get(mk);
  if (known !== undefined) return known;
  const v = decide(cand, countries);
  phoneMemo.set(mk, v);
  return v;
}

// ---------- the library's validation of "+<digits>", replayed with compiled patterns ----------
//
// For an international number the library takes the calling code (the first 1-3 digits that are one), strips a
// national prefix if the main country's "national prefix for parsing" matches (we then defer to the library),
// picks the country among those sharing the code (leading-digits pattern, else the first whose number types
// accept the number), and calls the number valid when it matches that country's national number pattern and the
// pattern of one of its number types (whose possible lengths include its length). The library compiles each of
// those patterns anew on every call; here they are compiled once. Anything unusual (non-geographic codes, a
// national prefix present, plans without types) goes to the library. A differential test compares the two.

const TYPES = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];
interface CountryRules {
  general: RegExp;
  leading: RegExp | null;
  types: { re: RegExp; lengths: number[] | undefined }[];
  hasTypes: boolean;
  /** ^(?:national prefix for parsing), or null */
  prefix: RegExp | null;
}
const rules = new Map<string, CountryRules | null>();
function rulesOf(country: string): CountryRules | null {
  if (rules.has(country)) return rules.get(country)!;
  let r: CountryRules | null = null;
  try {
    md.selectNumberingPlan(country as CountryCode);
    const types: CountryRules['types'] = [];
    for (const t of TYPES) {
      const def = md.type(t);
      const pat = def?.pattern();
      if (def && pat) types.push({ re: new RegExp(`^(?:${pat})$`), lengths: def.possibleLengths() });
    }
    const ld = md.leadingDigits();
    const npfp = String(md.nationalPrefixForParsing() || '');
    r = { general: new RegExp(`^(?:${md.nationalNumberPattern()})$`), leading: ld ? new RegExp(ld) : null, types, hasTypes: md.hasTypes(), prefix: npfp ? new RegExp(`^(?:${npfp})`) : null };
  } catch {
    r = null;
  }
  rules.set(country, r);
  return r;
}

/** getNumberType(...) !== undefined */
function hasNumberType(n: string, r: CountryRules): boolean {
  if (!r.general.test(n)) return false;
  for (const t of r.types) {
    if (t.lengths && !t.lengths.includes(n.length)) continue;
    if (t.re.test(n)) return true;
  }
  return false;
}

/** The library's verdict on "+digits", or undefined when this replay does not cover the case. */
function internationalVerdict(digits: string): boolean | undefined {
  for (let n = 1; n <= 3 && n <= digits.length; n++) {
    const list = json.country_calling_codes[digits.slice(0, n)];
    if (!list) continue;
    if (list.length === 1 && list[0]!.length === 3) return undefined; // non-geographic
    const main = rulesOf(list[0]!);
    if (!main || !main.hasTypes) return undefined;
    const nsn = digits.slice(n);
    if (main.prefix && main.prefix.test(nsn)) return undefined; // a national prefix to strip: the library decides
    if (nsn.length < 2 || nsn.length > 17) return false;
    let country: CountryRules | null = null;
    if (list.length === 1) country = main;
    else {
      for (const c of list) {
        const r = rulesOf(c);
        if (!r) return undefined;
        if (r.leading ? nsn.search(r.leading) === 0 : hasNumberType(nsn, r)) {
          country = r;
          break;
        }
      }
    }
    const plan = country ?? main;
    if (!plan.hasTypes) return undefined;
    return hasNumberType(nsn, plan);
  }
  return undefined;
}

function decide(cand: string, countries: readonly CountryCode[] | null): boolean {
  const digits = cand.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) return false;
  if (DATEISH.test(cand.trim())) return false;
  if (!countries) {
    const intl = cand.startsWith('00') ? '+' + cand.slice(2) : cand;
    if (intl.startsWith('+')) {
      const d = digits.slice(cand.startsWith('00') ? 2 : 0);
      if (!internationalMayBeValid(d)) return false;
      const v = internationalVerdict(d);
      if (v !== undefined) return v;
    }
    const p = parsePhoneNumberFromString(intl);
    return !!p && p.isValid();
  }
  for (const c of countries) {
    if (!nationalMayBeValid(digits, c)) continue;
    const p = parsePhoneNumberFromString(cand, c);
    if (p && p.isValid()) return true;
  }
  return false;
}
