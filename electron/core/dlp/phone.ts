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

function decide(cand: string, countries: readonly CountryCode[] | null): boolean {
  const digits = cand.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) return false;
  if (DATEISH.test(cand.trim())) return false;
  if (!countries) {
    const intl = cand.startsWith('00') ? '+' + cand.slice(2) : cand;
    if (intl.startsWith('+') && !internationalMayBeValid(digits.slice(cand.startsWith('00') ? 2 : 0))) return false;
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
