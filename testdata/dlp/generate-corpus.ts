// Builds corpus.jsonl: realistic tickets, e-mails, logs, code, CSV and chat in several languages, each line
// {id, source, lang, text, labels: [{type, value}]}. Every occurrence of a label value in the text is that type.
// Values are synthetic but valid where validity is defined (Luhn, IBAN mod-97, SSN ranges, numbering plans),
// because a card number that fails Luhn is not a card number. Hard negatives (no labels, or labels elsewhere)
// carry look-alikes: Luhn-failing order numbers, UUIDs, SHAs, versions, timestamps, prices, lockfile hashes,
// placeholder keys. Deterministic (seeded): `node testdata/dlp/generate-corpus.ts` rewrites corpus.jsonl.
import fs from 'node:fs';
import path from 'node:path';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

let seed = 20240611;
const rnd = () => {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));
const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)]!;
const digits = (n: number) => Array.from({ length: n }, () => int(0, 9)).join('');
const chars = (n: number, set: string) => Array.from({ length: n }, () => set[int(0, set.length - 1)]).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64URL = ALNUM + '-_';
const HEX = '0123456789abcdef';

function luhnDigit(body: string): string {
  let sum = 0;
  let dbl = true;
  for (let i = body.length - 1; i >= 0; i--) {
    let d = Number(body[i]);
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return String((10 - (sum % 10)) % 10);
}
function card(): string {
  const kind = pick(['visa', 'visa', 'mc', 'mc2', 'amex', 'disc', 'jcb', 'diners']);
  const pre = { visa: '4' + digits(5), mc: String(int(51, 55)) + digits(4), mc2: String(int(2221, 2720)) + digits(2), amex: pick(['34', '37']) + digits(4), disc: '6011' + digits(2), jcb: String(int(3528, 3589)) + digits(2), diners: '36' + digits(4) }[kind]!;
  const len = kind === 'amex' ? 15 : kind === 'diners' ? 14 : 16;
  const body = pre + digits(len - 1 - pre.length);
  const n = body + luhnDigit(body);
  const fmt = pick(['space', 'dash', 'plain', 'space']);
  if (fmt === 'plain') return n;
  const sep = fmt === 'space' ? ' ' : '-';
  if (len === 15) return [n.slice(0, 4), n.slice(4, 10), n.slice(10)].join(sep);
  if (len === 14) return [n.slice(0, 4), n.slice(4, 10), n.slice(10)].join(sep);
  return n.match(/.{4}/g)!.join(sep);
}
function badLuhn16(): string {
  for (;;) {
    const n = pick(['4', '5']) + digits(15);
    const body = n.slice(0, 15);
    if (luhnDigit(body) !== n[15]) return n;
  }
}
const IBAN_FMT: Record<string, string> = { DE: 'n18', FR: 'n10a11n2', GB: 'a4n14', ES: 'n20', IT: 'a1n10a12', NL: 'a4n10', BE: 'n12', CH: 'n5a12', AT: 'n16', PT: 'n21', PL: 'n24', SE: 'n20', IE: 'a4n14', LU: 'n3a13', DK: 'n14' };
function iban(compact = false): string {
  const cc = pick(Object.keys(IBAN_FMT));
  let bban = '';
  for (const [, t, n] of IBAN_FMT[cc]!.matchAll(/([an])(\d+)/g)) bban += t === 'n' ? digits(Number(n)) : chars(Number(n), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  const num = (bban + cc + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  const check = String(98n - (BigInt(num) % 97n)).padStart(2, '0');
  const s = cc + check + bban;
  return compact ? s : s.match(/.{1,4}/g)!.join(' ');
}
function ssn(sep = '-'): string {
  for (;;) {
    const a = digits(3), g = digits(2), s = digits(4);
    if (a === '000' || a === '666' || a[0] === '9' || g === '00' || s === '0000') continue;
    return [a, g, s].join(sep);
  }
}
function nino(): string {
  const L1 = 'ABCEGHJKLMNOPRSTWXYZ', L2 = 'ABCEGHJKLMNPRSTWXYZ';
  for (;;) {
    const p = chars(1, L1) + chars(1, L2);
    if (['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ'].includes(p)) continue;
    const d = digits(6);
    return pick([`${p}${d}${pick(['A', 'B', 'C', 'D'])}`, `${p} ${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4)} ${pick(['A', 'B', 'C', 'D'])}`]);
  }
}
function insee(): string {
  const body = `${pick(['1', '2'])}${digits(2)}${String(int(1, 12)).padStart(2, '0')}${String(int(1, 95)).padStart(2, '0')}${digits(3)}${digits(3)}`;
  const key = String(97 - Number(BigInt(body) % 97n)).padStart(2, '0');
  return pick([body + key, `${body[0]} ${body.slice(1, 3)} ${body.slice(3, 5)} ${body.slice(5, 7)} ${body.slice(7, 10)} ${body.slice(10)} ${key}`]);
}
const DNI = 'TRWAGMYFPDXBNJZSQVHLCKE';
function dni(): string {
  const n = digits(8);
  return n + DNI[Number(n) % 23];
}
function nie(): string {
  const p = pick(['X', 'Y', 'Z']);
  const n = digits(7);
  return p + n + DNI[Number(String('XYZ'.indexOf(p)) + n) % 23];
}
function phone(): string {
  for (;;) {
    const f = pick([
      () => `+1 ${pick(['212', '415', '646', '617', '206', '312', '512'])} ${int(200, 989)} ${digits(4)}`,
      () => `(${pick(['212', '415', '646', '617', '303'])}) ${int(200, 989)}-${digits(4)}`,
      () => `+1-${pick(['404', '718', '305'])}-${int(200, 989)}-${digits(4)}`,
      () => `+44 20 7${digits(3)} ${digits(4)}`,
      () => `+44 7${pick(['700', '911', '823', '400'])} ${digits(6)}`,
      () => `020 7${digits(3)} ${digits(4)}`,
      () => `+33 ${int(1, 7)} ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
      () => `0${pick(['1', '6', '7'])} ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
      () => `+49 30 ${digits(7)}`,
      () => `+49 151 ${digits(8)}`,
      () => `+34 ${pick(['91', '93', '6' + int(0, 9)])}${digits(1)} ${digits(3)} ${digits(3)}`,
      () => `+39 06 ${digits(4)} ${digits(4)}`,
      () => `+31 6 ${digits(8)}`,
      () => `+81 3-${digits(4)}-${digits(4)}`,
      () => `+91 9${digits(4)} ${digits(5)}`,
      () => `+55 11 9${digits(4)}-${digits(4)}`,
      () => `+61 2 ${digits(4)} ${digits(4)}`,
    ])();
    const p = f.startsWith('+') ? parsePhoneNumberFromString(f) : parsePhoneNumberFromString(f, f.startsWith('(') ? 'US' : f.startsWith('020') ? 'GB' : 'FR');
    if (p?.isValid()) return f;
  }
}
const FIRST = ['Maria', 'James', 'Aiko', 'Olivier', 'Sofia', 'Lukas', 'Priya', 'Mateo', 'Chloé', 'Jan', 'Fatima', 'Giulia', 'Noah', 'Émile', 'Carmen', 'Wei', 'Hannah', 'Siobhan', 'Tomasz', 'Ana'];
const LAST = ['Gonzalez', 'Smith', 'Tanaka', 'Dubois', 'Rossi', 'Müller', 'Patel', 'Fernández', 'Martin', 'de Vries', 'Khan', 'Bianchi', 'Johnson', 'Lefèvre', 'Ruiz', 'Zhang', 'Becker', "O'Connor", 'Nowak', 'Silva'];
const DOMAINS = ['northwind-traders.com', 'acme.co.uk', 'contoso.fr', 'gmail.com', 'outlook.de', 'telefonica.es', 'example-health.org', 'mail.ru', 'uni-heidelberg.de', 'fastmail.fm', 'yahoo.co.jp', 'proton.me'];
const strip = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z]/g, '').toLowerCase();
function person(): { name: string; email: string } {
  const f = pick(FIRST), l = pick(LAST);
  const email = pick([`${strip(f)}.${strip(l)}`, `${strip(f)[0]}${strip(l)}`, `${strip(f)}_${strip(l)}${int(1, 99)}`, `${strip(f)}+billing`, `${strip(l)}.${strip(f)}`]) + '@' + pick(DOMAINS);
  return { name: `${f} ${l}`, email };
}
function ipv4(): string {
  return pick([`10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`, `192.168.${int(0, 255)}.${int(1, 254)}`, `${int(11, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`, `172.${int(16, 31)}.${int(0, 255)}.${int(1, 254)}`]);
}
function ipv6(): string {
  return pick([`2001:db8:${chars(4, HEX)}:${chars(3, HEX)}::${chars(2, HEX)}${int(1, 9)}`, `fe80::${chars(4, HEX)}:${chars(4, HEX)}:${chars(4, HEX)}:${chars(3, HEX)}${int(0, 9)}`, `2a02:${chars(4, HEX)}:${chars(4, HEX)}:${int(1, 9)}${chars(3, HEX)}:${chars(4, HEX)}:${chars(4, HEX)}:${chars(4, HEX)}:${chars(4, HEX)}`]);
}
const openaiKey = () => pick([`sk-proj-${chars(74, B64URL)}T3BlbkFJ${chars(74, B64URL)}`, `sk-${chars(20, ALNUM)}T3BlbkFJ${chars(20, ALNUM)}`, `sk-svcacct-${chars(60, B64URL)}`]);
const anthropicKey = () => `sk-ant-api03-${chars(93, B64URL)}AA`;
const awsId = () => pick(['AKIA', 'ASIA']) + chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
const awsSecret = () => chars(40, ALNUM + '/+');
const gcpKey = () => `AIza${chars(35, B64URL)}`;
const ghToken = () => pick([`ghp_${chars(36, ALNUM)}`, `gho_${chars(36, ALNUM)}`, `github_pat_11${chars(20, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}_${chars(59, ALNUM)}`]);
const slackToken = () => pick([`xoxb-${digits(12)}-${digits(13)}-${chars(24, ALNUM)}`, `xoxp-${digits(12)}-${digits(12)}-${digits(13)}-${chars(32, HEX)}`]);
const stripeKey = () => pick([`sk_live_${chars(24, ALNUM)}`, `rk_live_${chars(99, ALNUM)}`, `sk_test_${chars(99, ALNUM)}`]);
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = () => `${b64url(pick([{ alg: 'HS256', typ: 'JWT' }, { alg: 'RS256', kid: chars(8, HEX), typ: 'JWT' }]))}.${b64url({ sub: digits(8), email: 'svc@internal', iat: 1718000000 + int(0, 99999), exp: 1718090000 })}.${chars(43, B64URL)}`;
const pem = () => `-----BEGIN ${pick(['RSA ', '', 'EC ', 'OPENSSH '])}PRIVATE KEY-----\n${Array.from({ length: int(4, 9) }, () => chars(64, ALNUM + '+/')).join('\n')}\n${chars(int(10, 60), ALNUM + '+/')}=\n-----END `;
function pemBlock(): string {
  const s = pem();
  const kind = /BEGIN (.*)-----/.exec(s)![1]!;
  return `${s}${kind}-----`;
}
const password = () => pick([`${pick(['Summer', 'Winter', 'Blue', 'Tiger'])}${int(2019, 2025)}!${chars(2, ALNUM)}`, chars(int(12, 20), ALNUM + '!#%&*'), `${chars(4, 'abcdefghijkmnop')}-${chars(4, 'qrstuvwxyz23456')}-${chars(4, 'ABCDEFGH789')}`]);
const hiEntropy = () => chars(int(24, 48), ALNUM);

// ---- look-alikes (hard negatives) ----
const uuid = () => `${chars(8, HEX)}-${chars(4, HEX)}-4${chars(3, HEX)}-${pick(['8', '9', 'a', 'b'])}${chars(3, HEX)}-${chars(12, HEX)}`;
const sha = () => chars(40, HEX);
const semver = () => `${int(0, 24)}.${int(0, 40)}.${int(0, 30)}`;
const ts = () => `2024-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}T${String(int(0, 23)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}.${digits(3)}Z`;
const epochMs = () => String(1700000000000 + int(0, 99999999) * 100);
const price = () => pick([`$${int(1, 9)},${digits(3)}.${digits(2)}`, `€${int(10, 999)},${digits(2)}`, `${int(10, 9999)}.${digits(2)} USD`, `£${int(1, 500)}.${digits(2)}`]);
const integrity = () => `sha512-${chars(86, ALNUM + '+/')}==`;
const orderNo = () => pick([`#${digits(9)}`, `ORD-${int(2019, 2025)}-${digits(6)}`, badLuhn16(), `${digits(4)}-${digits(4)}-${digits(4)}`]);
const placeholderKey = () => pick(['sk-xxxxxxxxxxxxxxxxxxxxxxxx', 'sk-...', 'sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', 'your-api-key-here', 'AKIAIOSFODNN7EXAMPLE', '<YOUR_OPENAI_API_KEY>', '${OPENAI_API_KEY}', 'sk-ant-xxxx', 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'sk_test_xxxxxxxxxxxxxxxxxxxxxxxx', 'os.environ["ANTHROPIC_API_KEY"]']);

interface Sample {
  id?: string;
  source: string;
  lang: string;
  text: string;
  labels: { type: string; value: string }[];
  negative?: boolean;
}
type L = [string, string];
const S = (source: string, lang: string, text: string, labels: L[] = [], negative = false): Sample => ({ source, lang, text, labels: labels.map(([type, value]) => ({ type, value })), negative });

const T: (() => Sample)[] = [
  // ---------------- support tickets ----------------
  () => {
    const p = person(), ph = phone(), c = card();
    return S('ticket', 'en', `Ticket #${digits(6)} — Refund request\nCustomer: ${p.name}\nEmail: ${p.email}\nPhone: ${ph}\n\nHi, I was charged twice for order ${orderNo()} on ${ts().slice(0, 10)}. The card used was ${c}. Please refund ${price()}.\nThanks`, [['PERSON_NAME', p.name], ['EMAIL', p.email], ['PHONE', ph], ['CREDIT_CARD', c]]);
  },
  () => {
    const p = person(), ib = iban();
    return S('ticket', 'de', `Betreff: Rückerstattung\n\nHallo Support-Team,\nbitte überweisen Sie den Betrag von ${price()} auf mein Konto IBAN ${ib} (Kontoinhaber: ${p.name}). Bestellnummer ${orderNo()}.\nMit freundlichen Grüßen\n${p.name}\n${p.email}`, [['IBAN', ib], ['PERSON_NAME', p.name], ['EMAIL', p.email]]);
  },
  () => {
    const p = person(), ph = phone(), n = insee();
    return S('ticket', 'fr', `Objet : mise à jour de mon dossier\n\nBonjour,\nJe m'appelle ${p.name}, numéro de sécurité sociale ${n}. Merci de me rappeler au ${ph} ou par mail ${p.email}.\nCordialement`, [['PERSON_NAME', p.name], ['FR_INSEE', n], ['PHONE', ph], ['EMAIL', p.email]]);
  },
  () => {
    const p = person(), d = dni(), ph = phone();
    return S('ticket', 'es', `Asunto: alta de cliente\nHola, soy ${p.name}. Mi DNI es ${d} y mi teléfono ${ph}. Necesito cambiar la dirección de facturación. Pedido ${orderNo()}, importe ${price()}.`, [['PERSON_NAME', p.name], ['ES_DNI', d], ['PHONE', ph]]);
  },
  () => {
    const n = nie(), p = person();
    return S('ticket', 'es', `Solicitud de ${p.name}: adjunto mi NIE ${n} para completar el contrato. Correo: ${p.email}`, [['ES_NIE', n], ['PERSON_NAME', p.name], ['EMAIL', p.email]]);
  },
  () => {
    const n = nino(), p = person();
    return S('ticket', 'en', `HR request: please update payroll for ${p.name}, NI number ${n}, starting ${ts().slice(0, 10)}. Contact ${p.email} if anything is missing.`, [['UK_NINO', n], ['PERSON_NAME', p.name], ['EMAIL', p.email]]);
  },
  () => {
    const s = ssn(), p = person();
    return S('ticket', 'en', `Applicant ${p.name} (SSN ${s}) submitted the W-9 on ${ts().slice(0, 10)}. Reference ${uuid()}.`, [['US_SSN', s], ['PERSON_NAME', p.name]]);
  },
  () => {
    const s = ssn(''), p = person();
    return S('ticket', 'en', `Verification failed for ${p.email}: SSN: ${s} does not match our records. Case ${orderNo()}.`, [['US_SSN', s], ['EMAIL', p.email]]);
  },
  () => {
    const c = card(), p = person();
    return S('ticket', 'it', `Buongiorno, la mia carta ${c} è stata addebitata due volte per l'ordine ${orderNo()}. Potete aiutarmi? ${p.name}`, [['CREDIT_CARD', c], ['PERSON_NAME', p.name]]);
  },
  () => {
    const ib = iban(true), p = person();
    return S('ticket', 'nl', `Graag het bedrag van ${price()} terugstorten op ${ib} t.n.v. ${p.name}. Factuurnummer ${digits(8)}.`, [['IBAN', ib], ['PERSON_NAME', p.name]]);
  },
  () => {
    const ph = phone(), p = person();
    return S('ticket', 'ja', `お問い合わせ: 注文番号 ${orderNo()} の配送について。担当: ${p.name}、電話 ${ph}、メール ${p.email} までご連絡ください。`, [['PHONE', ph], ['EMAIL', p.email], ['PERSON_NAME', p.name]]);
  },
  // ---------------- e-mails ----------------
  () => {
    const a = person(), b = person(), ph = phone();
    return S('email', 'en', `From: ${a.name} <${a.email}>\nTo: ${b.email}\nSubject: Re: contract renewal\n\nHi ${b.name.split(' ')[0]},\nthe signed copy is attached. You can reach me on ${ph} until Friday.\n\nBest regards,\n${a.name}`, [['PERSON_NAME', a.name], ['EMAIL', a.email], ['EMAIL', b.email], ['PHONE', ph]]);
  },
  () => {
    const a = person(), ib = iban(), ph = phone();
    return S('email', 'fr', `De : ${a.email}\nObjet : coordonnées bancaires\n\nBonjour,\nVoici le RIB pour le virement : ${ib}. Pour toute question : ${ph}.\nBien à vous,\n${a.name}`, [['EMAIL', a.email], ['IBAN', ib], ['PHONE', ph], ['PERSON_NAME', a.name]]);
  },
  () => {
    const a = person(), b = person();
    return S('email', 'en', `Forwarded message from ${a.email}:\n> Can you loop in ${b.email}? They own the billing migration.\nSure — added them to the thread.`, [['EMAIL', a.email], ['EMAIL', b.email]]);
  },
  () => {
    const a = person(), ph = phone();
    return S('email', 'de', `Sehr geehrte Damen und Herren,\nbitte rufen Sie mich unter ${ph} zurück. Meine Kundennummer lautet ${digits(8)}.\nViele Grüße\n${a.name}`, [['PHONE', ph], ['PERSON_NAME', a.name]]);
  },
  // ---------------- logs ----------------
  () => {
    const ip = ipv4(), p = person();
    return S('log', 'en', `${ts()} INFO  auth.login user=${p.email} ip=${ip} ua="Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0.0.0 Safari/537.36" session=${uuid()} latency_ms=${int(3, 900)}`, [['EMAIL', p.email], ['IP_ADDRESS', ip]]);
  },
  () => {
    const ip = ipv6();
    return S('log', 'en', `${ts()} WARN  rate limit exceeded for client ${ip} (bucket=${chars(8, HEX)}, retry_after=${int(1, 60)}s) build ${semver()}`, [['IP_ADDRESS', ip]]);
  },
  () => {
    const ip = ipv4(), ip2 = ipv4();
    return S('log', 'en', `${ip} - - [${String(int(1, 28)).padStart(2, '0')}/Mar/2024:${String(int(0, 23)).padStart(2, '0')}:${String(int(10, 59))}:${String(int(10, 59))} +0000] "GET /api/v2/orders/${digits(7)} HTTP/1.1" 200 ${int(200, 90000)} "-" "curl/8.5.0" upstream=${ip2}:8080`, [['IP_ADDRESS', ip], ['IP_ADDRESS', ip2]]);
  },
  () => {
    const k = openaiKey();
    return S('log', 'en', `${ts()} ERROR openai.request failed: 401 Incorrect API key provided: ${k}. You can find your API key at https://platform.openai.com/account/api-keys.`, [['OPENAI_KEY', k]]);
  },
  () => {
    const j = jwt();
    return S('log', 'en', `${ts()} DEBUG http.request POST /v1/graphql headers={"authorization":"Bearer ${j}","x-request-id":"${uuid()}"}`, [['JWT', j]]);
  },
  () => {
    const pw = password(), host = pick(['db.internal', 'pg-prod-1.eu-west-1.rds.amazonaws.com', '10.2.0.15']);
    return S('log', 'en', `${ts()} FATAL could not connect: postgres://app_user:${pw}@${host}:5432/orders?sslmode=require (connection refused)`, [['CONNECTION_STRING', pw], ...(host.startsWith('10.') ? ([['IP_ADDRESS', host]] as L[]) : [])]);
  },
  () => {
    const st = slackToken();
    return S('log', 'en', `[slack-bot] ${ts()} posting to #alerts with token ${st} -> ok=true ts=${epochMs().slice(0, 10)}.${digits(6)}`, [['SLACK_TOKEN', st]]);
  },
  // ---------------- code / config ----------------
  () => {
    const k = openaiKey(), a = anthropicKey();
    return S('code', 'en', `# .env\nOPENAI_API_KEY=${k}\nANTHROPIC_API_KEY=${a}\nLOG_LEVEL=debug\nPORT=8080\n`, [['OPENAI_KEY', k], ['ANTHROPIC_KEY', a]]);
  },
  () => {
    const id = awsId(), sec = awsSecret();
    return S('code', 'en', `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${sec}\nregion = eu-west-1\n`, [['AWS_ACCESS_KEY', id], ['AWS_SECRET_KEY', sec]]);
  },
  () => {
    const g = gcpKey();
    return S('code', 'en', `const genAI = new GoogleGenerativeAI("${g}");\nconst model = genAI.getGenerativeModel({ model: "gemini-1.5-flash" });`, [['GCP_API_KEY', g]]);
  },
  () => {
    const gh = ghToken();
    return S('code', 'en', `git clone https://x-access-token:${gh}@github.com/acme/infra.git\ncd infra && git checkout ${sha().slice(0, 7)}`, [['GITHUB_TOKEN', gh]]);
  },
  () => {
    const sk = stripeKey();
    return S('code', 'en', `import Stripe from 'stripe';\nconst stripe = new Stripe('${sk}', { apiVersion: '2024-04-10' });\nawait stripe.refunds.create({ charge: 'ch_${chars(24, ALNUM)}' });`, [['STRIPE_KEY', sk]]);
  },
  () => {
    const k = pemBlock();
    return S('code', 'en', `Here is the deploy key that fails with "invalid format":\n\n${k}\n\nWhy does ssh-add reject it?`, [['PRIVATE_KEY', k]]);
  },
  () => {
    const s = hiEntropy();
    return S('code', 'en', `app.use(session({\n  secret: '${s}',\n  resave: false,\n  saveUninitialized: true,\n}));`, [['GENERIC_SECRET', s]]);
  },
  () => {
    const s = hiEntropy();
    return S('code', 'en', `settings.py:\nDEBUG = False\nSECRET_KEY = "${s}"\nALLOWED_HOSTS = ["api.example.org"]`, [['GENERIC_SECRET', s]]);
  },
  () => {
    const pw = password();
    return S('code', 'en', `<connectionStrings>\n  <add name="Main" connectionString="Server=sql01.corp.local;Database=Sales;User Id=sa;Password=${pw};TrustServerCertificate=True" />\n</connectionStrings>`, [['CONNECTION_STRING', pw]]);
  },
  () => {
    const pw = password();
    return S('code', 'en', `spring:\n  datasource:\n    url: jdbc:mysql://db:3306/shop\n    username: shop\n    password: ${pw}\n`, [['GENERIC_SECRET', pw]]);
  },
  () => {
    const t = hiEntropy();
    return S('code', 'en', `curl -s https://api.internal.example/v1/jobs -H "Authorization: Bearer ${t}" -H 'Content-Type: application/json' -d '{"id": "${uuid()}"}'`, [['GENERIC_SECRET', t]]);
  },
  () => {
    const k = openaiKey();
    return S('chat', 'en', `my script says rate limited, here's the code:\n\nclient = OpenAI(api_key="${k}")\nfor row in rows:\n    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role":"user","content":row}])\n\nwhat am I doing wrong?`, [['OPENAI_KEY', k]]);
  },
  () => {
    const a = anthropicKey();
    return S('chat', 'en', `claude code keeps asking me to log in even though I exported ANTHROPIC_API_KEY=${a} in my .zshrc — any idea?`, [['ANTHROPIC_KEY', a]]);
  },
  // ---------------- CSV ----------------
  () => {
    const rows = Array.from({ length: 3 }, () => ({ p: person(), ph: phone(), c: rnd() < 0.5 ? card() : '' }));
    const text = `id,name,email,phone,card,created_at\n${rows.map((r, i) => `${i + 1},${r.p.name},${r.p.email},"${r.ph}",${r.c},${ts()}`).join('\n')}`;
    return S('csv', 'en', text, rows.flatMap((r) => [['PERSON_NAME', r.p.name], ['EMAIL', r.p.email], ['PHONE', r.ph], ...(r.c ? ([['CREDIT_CARD', r.c]] as L[]) : [])] as L[]));
  },
  () => {
    const rows = Array.from({ length: 3 }, () => ({ p: person(), ib: iban(true) }));
    const text = `Name;IBAN;Betrag;Datum\n${rows.map((r) => `${r.p.name};${r.ib};${int(10, 999)},${digits(2)};${ts().slice(0, 10)}`).join('\n')}`;
    return S('csv', 'de', text, rows.flatMap((r) => [['PERSON_NAME', r.p.name], ['IBAN', r.ib]] as L[]));
  },
  () => {
    const rows = Array.from({ length: 3 }, () => ({ ip: ipv4(), e: person().email }));
    const text = `timestamp,src_ip,user,bytes\n${rows.map((r) => `${epochMs()},${r.ip},${r.e},${int(100, 99999)}`).join('\n')}`;
    return S('csv', 'en', text, rows.flatMap((r) => [['IP_ADDRESS', r.ip], ['EMAIL', r.e]] as L[]));
  },
  // ---------------- hard negatives ----------------
  () => S('log', 'en', `${ts()} INFO  deploy finished: release ${semver()} (commit ${sha()}) in ${int(20, 400)}s, request_id=${uuid()}, image sha256:${chars(64, HEX)}`, [], true),
  () => S('code', 'en', `"node_modules/undici": {\n  "version": "${semver()}",\n  "resolved": "https://registry.npmjs.org/undici/-/undici-${semver()}.tgz",\n  "integrity": "${integrity()}",\n  "license": "MIT"\n}`, [], true),
  () => S('ticket', 'en', `Order ${orderNo()} was shipped on ${ts().slice(0, 10)}. Tracking number 1Z${chars(6, 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789')}${digits(10)}. Total ${price()} incl. VAT. Invoice INV-${digits(6)}.`, [], true),
  () => S('ticket', 'en', `Our order numbers look like ${badLuhn16()} and ${badLuhn16()}; the POS terminal id is ${digits(8)}. Why does the export truncate them?`, [], true),
  () => S('code', 'en', `# Set your key before running:\nexport OPENAI_API_KEY=${placeholderKey()}\n# or pass api_key="${placeholderKey()}" explicitly`, [], true),
  () => S('code', 'en', `const config = {\n  apiKey: process.env.OPENAI_API_KEY,\n  token: process.env.GITHUB_TOKEN ?? '',\n  password: '', // filled by vault\n  timeoutMs: ${int(1000, 60000)},\n};`, [], true),
  () => S('chat', 'en', `In the docs they show AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY as the access key pair — is that a real account?`, [], true),
  () => S('log', 'en', `${ts()} metrics cpu=${int(1, 99)}.${digits(1)}% mem=${int(100, 4000)}MiB p99=${int(1, 900)}.${digits(2)}ms rps=${int(10, 9000)} uptime=${int(1, 99)}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')} version=${semver()}`, [], true),
  () => S('chat', 'en', `Can you compare prices: plan A costs ${price()} per month, plan B ${price()} per year, and the enterprise tier starts at ${price()}? Quote ref ${orderNo()}.`, [], true),
  () => S('code', 'en', `CREATE TABLE payments (\n  id UUID PRIMARY KEY DEFAULT gen_random_uuid(), -- e.g. ${uuid()}\n  amount_cents BIGINT NOT NULL, -- ${int(100, 999999)}\n  created_at TIMESTAMPTZ DEFAULT now()\n);`, [], true),
  () => S('log', 'en', `kernel: [${int(1, 99999)}.${digits(6)}] eth0: link up, 1000 Mbps full duplex, mac 3c:22:fb:${chars(2, HEX)}:${chars(2, HEX)}:${chars(2, HEX)}; firmware ${int(1, 9)}.${int(0, 40)}.${int(0, 40)}.${int(0, 9)}`, [], true),
  () => S('code', 'en', `$ git log --oneline\n${sha().slice(0, 7)} Fix flaky test\n${sha().slice(0, 7)} Bump eslint from ${semver()} to ${semver()}\n${sha().slice(0, 7)} Merge pull request #${int(100, 9999)} from acme/feature`, [], true),
  () => S('ticket', 'fr', `Votre commande n° ${digits(10)} d'un montant de ${price()} sera livrée le ${String(int(1, 28)).padStart(2, '0')}/0${int(1, 9)}/2024. Numéro de colis : ${digits(13)}.`, [], true),
  () => S('ticket', 'de', `Rechnung Nr. ${int(2024, 2025)}-${digits(5)} vom ${String(int(1, 28)).padStart(2, '0')}.0${int(1, 9)}.2024 über ${price()}. Kundennummer ${digits(7)}, Artikelnummer ${digits(4)}-${digits(3)}.`, [], true),
  () => S('chat', 'es', `¿Cuál es la diferencia entre la versión ${semver()} y la ${semver()}? El pedido ${orderNo()} costó ${price()}.`, [], true),
  () => S('code', 'en', `# requirements.txt\nnumpy==${semver()}\npandas>=${semver()}\ntorch==${semver()}+cu121 --hash=sha256:${chars(64, HEX)}`, [], true),
  () => S('log', 'en', `java.lang.NullPointerException: Cannot invoke "String.length()" because "token" is null\n\tat com.acme.auth.TokenService.verify(TokenService.java:${int(10, 400)})\n\tat com.acme.api.Filter.doFilter(Filter.java:${int(10, 400)})`, [], true),
  () => S('chat', 'en', `What does a JWT look like? I know it has three parts separated by dots: header.payload.signature, and the header usually says {"alg": "HS256"}.`, [], true),
  () => S('code', 'en', `password_min_length = ${int(8, 16)}\npassword_policy = "require-upper-lower-digit"\ntoken_ttl_seconds = ${int(60, 86400)}\napi_key_header = "X-API-Key"`, [], true),
  () => S('log', 'en', `${ts()} INFO  cache hit key=${chars(32, HEX)} ttl=${int(1, 3600)} shard=${int(0, 63)} trace_id=${chars(32, HEX)} span_id=${chars(16, HEX)}`, [], true),
  () => S('chat', 'en', `My ISBN list: 978-${int(0, 1)}-${digits(3)}-${digits(5)}-${int(0, 9)}, 978-${int(0, 1)}-${digits(2)}-${digits(6)}-${int(0, 9)}. Color palette #${chars(6, HEX)} and #${chars(6, HEX)}.`, [], true),
  () => S('code', 'en', `coordinates = (${int(-89, 89)}.${digits(6)}, ${int(-179, 179)}.${digits(6)})  # lat, lon\nzoom = ${int(1, 18)}\nbbox = [${int(1, 99)}.${digits(4)}, ${int(1, 99)}.${digits(4)}, ${int(1, 99)}.${digits(4)}, ${int(1, 99)}.${digits(4)}]`, [], true),
  () => S('log', 'en', `Apr ${int(1, 28)} ${String(int(0, 23)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')} web-${int(1, 9)} nginx[${int(100, 99999)}]: upstream response time ${int(0, 9)}.${digits(3)}s, ${int(100, 999)} requests, pid ${int(100, 99999)}`, [], true),
  () => S('chat', 'en', `Connection string format is postgres://USER:PASSWORD@HOST:5432/DB — replace USER and PASSWORD with your own, e.g. postgres://app:<password>@localhost/app.`, [], true),
  () => S('code', 'en', `const re = /^\\d{3}-\\d{2}-\\d{4}$/; // US SSN format like XXX-XX-XXXX\nconst sample = "${digits(3)}${digits(2)}"; // not enough digits\nconst phone = "555-${digits(4)}"; // too short`, [], true),
  () => S('ticket', 'en', `Batch ${epochMs()} processed ${int(1000, 99999)} rows in ${int(1, 60)}.${digits(2)}s; checksum ${chars(32, HEX)}; next run ${ts()}.`, [], true),
  () => S('chat', 'it', `Ho aggiornato alla versione ${semver()} ma la build ${int(1000, 9999)} fallisce ancora. L'ordine ${orderNo()} costava ${price()}.`, [], true),
  () => S('code', 'en', `"dependencies": {\n  "react": "^${semver()}",\n  "left-pad": "~${semver()}"\n},\n"packageManager": "pnpm@${semver()}+sha512.${chars(64, HEX)}"`, [], true),
];

const out: Sample[] = [];
const N = Number(process.env.CORPUS_REPEAT ?? 6);
for (let r = 0; r < N; r++) for (const t of T) out.push(t());
// Handwritten samples (testdata/dlp/handwritten.jsonl) are appended as-is.
const here = path.dirname(new URL(import.meta.url).pathname);
const hw = path.join(here, 'handwritten.jsonl');
if (fs.existsSync(hw)) for (const l of fs.readFileSync(hw, 'utf8').split('\n')) if (l.trim()) out.push(JSON.parse(l));
out.forEach((s, i) => (s.id = `c${String(i + 1).padStart(4, '0')}`));
for (const s of out) for (const l of s.labels) if (!s.text.includes(l.value)) throw new Error(`label not in text: ${s.id} ${l.type}`);
fs.writeFileSync(path.join(here, 'corpus.jsonl'), out.map((s) => JSON.stringify({ id: s.id, source: s.source, lang: s.lang, negative: !!s.negative || s.labels.length === 0, text: s.text, labels: s.labels })).join('\n') + '\n');
const neg = out.filter((s) => s.negative || s.labels.length === 0).length;
console.log(`${out.length} samples, ${neg} hard negatives (${((neg / out.length) * 100).toFixed(0)}%)`);
