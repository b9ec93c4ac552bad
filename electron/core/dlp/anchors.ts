// One pass over a text that finds every occurrence of many literals at once (secret prefixes, key-like words,
// phone cue words, prompt-shield gate words), ASCII-case-insensitively. A bitmap of the literals' first three
// characters (case-folded, 7 bits each) rejects almost every position with one array read; only positions that
// pass are compared with the literals that start that way (two-character literals, punctuation only, use indexOf). V8 scans a large
// alternation of literals at ~200 MB/s, and a case-insensitive one needs a lower-cased copy first; this pass
// serves every anchored detector and the prompt shield at once.

export type Hits = Map<string, number[]>;

/** ASCII letters fold to lower case; other characters keep their code (the bitmap also drops bit 7+). */
const fold = (c: number) => (c >= 65 && c <= 90 ? c | 32 : c);

export class LiteralIndex {
  private readonly tri = new Uint32Array(1 << 16); // 2^21 bits: 3 x 7-bit characters
  /** key (folded trigram, or negative for a two-character literal) -> literals and the offset of the trigram in each */
  private readonly byKey = new Map<number, { words: string[]; offs: number[] }>();
  /** Two-character literals (found with indexOf). */
  private readonly two: string[] = [];

  constructor(words: Iterable<string>) {
    for (const w of new Set(words)) {
      if (w.length < 2) throw new Error(`literal index: '${w}' is shorter than two characters`);
      if (w !== w.toLowerCase()) throw new Error(`literal index: '${w}' is not lower-case`);
      let key: number;
      let off = 0;
      if (w.length === 2) {
        if (/[a-z]/.test(w)) throw new Error(`literal index: two-character literal '${w}' must not hold letters`);
        key = -1 - (w.charCodeAt(0) * 65536 + w.charCodeAt(1));
        this.two.push(w);
      } else {
        // The literal's least common trigram (by English/code character frequencies) keeps false hits rare.
        let best = Infinity;
        for (let o = 0; o + 3 <= w.length; o++) {
          const rank = COMMON_RANK.get(w.slice(o, o + 3));
          const f = rank !== undefined ? (COMMON.length - rank) * 1e9 : charFreq(w.charCodeAt(o)) * charFreq(w.charCodeAt(o + 1)) * charFreq(w.charCodeAt(o + 2));
          if (f < best) [best, off] = [f, o];
        }
        key = trigramKey(w, off);
        this.tri[key >>> 5]! |= 1 << (key & 31);
      }
      let a = this.byKey.get(key);
      if (!a) this.byKey.set(key, (a = { words: [], offs: [] }));
      a.words.push(w);
      a.offs.push(off);
    }
  }

  /**
   * Every start position of every literal in `text` (ASCII letters compared case-insensitively, everything else
   * exactly; overlapping occurrences included), ascending per literal, among the first `limit` characters.
   */
  find(text: string, limit = text.length): Hits {
    const hits: Hits = new Map();
    const n = Math.min(limit, text.length);
    if (n < 2) return hits;
    const tri = this.tri;
    // Two-character literals are few and made of punctuation: plain indexOf.
    for (const w of this.two) {
      for (let i = text.indexOf(w); i !== -1 && i + 2 <= n; i = text.indexOf(w, i + 1)) this.verify(text, n, w, i, hits);
    }
    // Rolling 21-bit key of the last three characters, each folded with |32 (a superset of ASCII case folding:
    // the exact comparison below removes what it lets through).
    let k = (((text.charCodeAt(0) | 32) & 127) << 7) | ((text.charCodeAt(1) | 32) & 127);
    for (let i = 2; i < n; i++) {
      k = ((k << 7) | ((text.charCodeAt(i) | 32) & 127)) & 0x1fffff;
      if ((tri[k >>> 5]! >>> (k & 31)) & 1) {
        const e = this.byKey.get(k);
        if (e === undefined) continue; // another key's bit (the bitmap is exact, but be safe)
        for (let j = 0; j < e.words.length; j++) {
          const st = i - 2 - e.offs[j]!;
          if (st >= 0) this.verify(text, n, e.words[j]!, st, hits);
        }
      }
    }
    return hits;
  }

  private verify(text: string, n: number, w: string, i: number, hits: Hits): void {
    if (i + w.length > n) return;
    for (let j = 0; j < w.length; j++) if (fold(text.charCodeAt(i + j)) !== w.charCodeAt(j)) return;
    const a = hits.get(w);
    if (a) a.push(i);
    else hits.set(w, [i]);
  }
}

const trigramKey = (w: string, o: number) => (((w.charCodeAt(o) | 32) & 127) << 14) | (((w.charCodeAt(o + 1) | 32) & 127) << 7) | ((w.charCodeAt(o + 2) | 32) & 127);

/**
 * The 400 most common (lower-cased) trigrams of English prose and source code, most common first (counted on this
 * repository's code and docs plus the DLP corpus). A literal is indexed by a trigram not on this list if it has
 * one, else by the least common one.
 */
const COMMON: string[] = [
  "   ", "con", " re", " th", " = ", "ing", " co", "ons", "st ", "nst", "ion", "str", "the", "---", "tri", "tio",
  "  c", "he ", " st", "ate", "key", "rin", "ent", " nu", "ort", "er ", "pro", "est", "ret", "err", "por", " in",
  "typ", "ode", "ype", "der", "sta", " { ", "ed ", "  i", "age", "  }", "rt ", "if ", " an", " if", "rea", "tur",
  "f (", " pr", "out", "', ", "res", "on ", "rom", "cti", "ver", "ull", "e: ", " se", "ers", "nul", "urn", ": s",
  "== ", "etu", "  r", "or ", "and", "set", "rro", "ide", "ror", "thi", "lic", ": '", "ues", "rn ", "nd ", "ore",
  "del", "ser", " ke", "num", "es ", "mod", "ext", "for", "dat", "s: ", "fro", " } ", "ter", "use", "his", "ber",
  "und", " to", "vid", " fr", "t: ", "ng ", "cha", "che", "rov", "mbe", " ca", "ovi", " ==", "ess", "===", "ect",
  "exp", " a ", "oke", "sag", "loc", "ame", "umb", " ty", "req", "all", "om ", " | ", " us", "  <", " =>", ", '",
  "tok", "nte", " on", ") =", "ken", "=> ", "tex", "  t", "que", "equ", " no", "d: ", " ne", "ont", "cor", "get",
  "re ", "ts ", "oli", "is.", "act", "tes", ": n", "ock", "ted", "s a", "is ", "in ", "int", "hat", "pol", "= '",
  "te ", ") {", "put", "tat", "ope", "ind", "nam", "ten", " pa", "icy", "val", " un", " ma", "it ", "xpo", "): ",
  "t t", "of ", " po", " fo", "s, ", "e, ", " ch", " })", "ead", " de", " as", "eve", " is", "son", " cl", "mes",
  "e =", " mo", "nde", "pen", "et ", "ata", "pe ", "thr", "mpo", " te", "as ", "ach", "ati", "at ", "ine", "tin",
  "one", ", t", "ass", "imp", ", s", " : ", ".st", "tru", "row", " tr", "ll ", "ens", "se ", "ow ", "par", "t, ",
  "cre", "fin", "t c", "art", "unc", " */", "def", " ? ", "new", "las", "/**", "th ", "sto", "), ", "m '", "fil",
  "not", "end", ".ts", "t a", "n t", "ssa", "fun", " li", "** ", "s t", "} f", "ena", "ned", " me", "e t", " ro",
  "s =", "ere", " wi", "hro", " bu", "api", "ew ", " wh", "nct", " of", " it", "an ", "en ", "now", "ord", "le ",
  "min", " &&", "&& ", "atu", " fi", "e a", "ost", "ist", "t f", "tar", "ool", "ith", "nt ", "  s", "d, ", "are",
  "ins", "id ", "ant", "t i", "alu", "tor", "eam", "ts'", "let", "com", " '.", "lue", ". *", "rou", "jso", " lo",
  "tre", "to ", "tus", "s';", "t s", "ase", "pre", "../", ".co", " da", "ign", "t {", "es.", " ??", "sec", "air",
  "ot ", "cli", " z.", "});", " or", "e i", "mit", ".re", "ey ", "t =", "ry ", "eri", "cal", "?? ", "own", "wit",
  "sio", ": r", "ile", ", c", "ble", "usa", "e s", "lse", "ice", "ref", "cac", "e c", "oun", " ou", ": p", "efi",
  " la", "per", "lab", "rlo", "omp", "cod", "e=\"", "erv", "irl", "  /", "();", "ite", "() ", "  p", "ctx", "d =",
  "ns ", " ap", "pri", "tim", "app", "= n", "e r", "| n", "try", "ail", "ngs", ") r", "t r", "nts", "cat", " ${",
  "inp", "dge", "our", "(co", "ole", "ett", "can", "ce ", "ets", " id", "red", " le", "ove", "ust", "lin", " va",
];
const COMMON_RANK = new Map(COMMON.map((t, i) => [t, i]));

/** Rough frequency (per 1000 characters) of a character in English prose and source code. */
const FREQ: Record<string, number> = {
  ' ': 160, e: 100, t: 75, a: 65, o: 62, i: 60, n: 58, s: 55, r: 52, h: 40, l: 36, d: 33, c: 28, u: 24, m: 22, p: 20, f: 18,
  g: 16, y: 15, w: 14, b: 13, v: 9, k: 7, x: 3, j: 2, q: 1, z: 1, '.': 15, ',': 10, '\n': 20, '-': 20, _: 8, '(': 10, ')': 10,
  "'": 8, '"': 10, ':': 8, '=': 8, '/': 8, '*': 6, '#': 5, '<': 4, '>': 4, '|': 3, '!': 3, '[': 4, ']': 4,
};
function charFreq(c: number): number {
  return FREQ[String.fromCharCode(c >= 65 && c <= 90 ? c | 32 : c)] ?? (c >= 48 && c <= 57 ? 4 : 2);
}
