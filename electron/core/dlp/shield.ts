// Prompt shield: an offline lexical classifier for prompt injection and jailbreak attempts.
// Each rule is a pattern with a weight; the score is a noisy-OR of the rules that fired, lowered when the
// text is plainly *about* the topic (a question on how to prevent injection, a quoted log line) and the
// evidence is only moderate. No network, no model: a few regexes over the normalised text.

import { LiteralIndex, type Hits } from './anchors.ts';

export type ShieldType = 'PROMPT_INJECTION' | 'JAILBREAK';

export interface ShieldRule {
  id: string;
  /** Cheap gate: the lower-cased text must contain one of these before the regex runs. */
  need: string[];
  type: ShieldType;
  weight: number;
  re: RegExp;
}

export interface ShieldResult {
  type: ShieldType;
  score: number;
  /** The strongest rule that fired. */
  rule: string;
  start: number;
  end: number;
}

const IGNORE = '(?:ignore|disregard|forget|skip|override|bypass|neglect|abandon|drop|set aside|do not follow|don\'t follow|stop following)';
const PRIOR = '(?:all |any |the |your |these |those |my |every |of )*(?:previous|prior|above|earlier|preceding|former|original|initial|foregoing|existing|system|old|developer|safety|programmed|given|current)';
const INSTR = '(?:instructions?|prompts?|rules?|directions?|guidelines?|guidance|directives?|commands?|context|constraints?|programming|policies|polic(?:y|ies)|orders|guardrails|restrictions)';

const IGN = ['ignor', 'disregard', 'forget', 'overrid', 'bypass', 'neglect', 'abandon', 'set aside', "n't follow", 'not follow', 'stop following', 'skip all', 'skip the', 'skip your', 'drop all', 'drop the', 'drop your'];

export const SHIELD_RULES: ShieldRule[] = [
  // --- instruction override (direct or indirect) ---
  { id: 'ignore_previous_instructions', need: IGN, type: 'PROMPT_INJECTION', weight: 0.9, re: new RegExp(`\\b${IGNORE}\\b[^.\\n]{0,40}?\\b${PRIOR}\\b[^.\\n]{0,20}?\\b${INSTR}\\b`, 'i') },
  { id: 'ignore_instructions', need: IGN, type: 'PROMPT_INJECTION', weight: 0.8, re: new RegExp(`\\b${IGNORE}\\b (?:(?:all|any|the|your|these|those|of|my) )*(?:[\\w\\-]+ ){0,2}(?:${INSTR.slice(3, -1)}|system (?:message|prompt)|task|user'?s? (?:request|question|task|query))(?: (?:above|before|so far|you were given))?\\b`, 'i') },
  { id: 'ignore_everything', need: IGN, type: 'PROMPT_INJECTION', weight: 0.75, re: new RegExp(`\\b${IGNORE} (?:everything|all of that|all that|whatever) (?:(?:you (?:were|have been) told|above|before|said|previously|so far)|(?:in|from) (?:your|the) (?:system|prompt|instructions))`, 'i') },
  { id: 'ignore_instructions_multilingual', need: ['ignor', 'oubli', 'vergiss', 'missacht', 'olvid'], type: 'PROMPT_INJECTION', weight: 0.9, re: /\b(?:ignore[zr]?|oublie[zr]?) (?:toutes |tout |les |vos |tes )*(?:les )?(?:instructions|consignes|règles)(?: précédentes| antérieures| ci-dessus)?|\b(?:ignoriere|vergiss|missachte)n? (?:alle |die |deine |sämtliche )*(?:vorherigen |bisherigen |obigen )?(?:anweisungen|instruktionen|regeln)|\b(?:ignora|olvida|ignore|olvide) (?:todas |las |tus |sus )*(?:instrucciones|reglas|indicaciones)(?: anteriores| previas)?|\bignora (?:tutte |le )*(?:istruzioni|regole)(?: precedenti)?/i },
  { id: 'instructions_revoked', need: ['revoked', 'cancel', 'overridden', 'obsolete', 'a test', 'fake', 'no longer valid', 'real task', 'been removed', 'been replaced', 'been lifted', 'void', 'only goal', 'new goal', 'real goal', 'true goal', 'only task', 'new task', 'real purpose', 'new purpose', 'new objective', 'only objective', 'true purpose', 'real job', 'new job', 'only job'], type: 'PROMPT_INJECTION', weight: 0.7, re: /\b(?:previous|prior|earlier|original|above|old)\b[^.\n]{0,15}\b(?:instructions?|programming|rules|prompt|task)\b[^.\n]{0,10}\b(?:has|have|were|was|are|is)(?: been)? (?:revoked|cancelled|canceled|removed|lifted|overridden|void|obsolete|a test|fake|replaced|no longer valid)|\bthe real task\b|\byour (?:only|new|real|true) (?:goal|task|job|purpose|objective) (?:is|now)\b/i },
  { id: 'new_system_instructions', need: ['system'], type: 'PROMPT_INJECTION', weight: 0.7, re: /\b(?:new|updated|revised|real|actual) system (?:instructions?|prompt|message|directives?)\b/i },
  { id: 'system_label', need: ['system', '<sys', '<admin', '<instruction'], type: 'PROMPT_INJECTION', weight: 0.7, re: /\bSYSTEM(?: MESSAGE)?\s*:\s*(?:new|updated|override|ignore|you must|the assistant|your previous)|<\/?(?:system|sys|admin|instructions?)>/ },
  { id: 'instructions_you_were_given', need: ['verbatim', 'word for word', 'list them', 'print', 'repeat', 'exact'], type: 'PROMPT_INJECTION', weight: 0.65, re: /\b(?:instructions|rules|prompt|guidelines)\b[^.\n?]{0,20}\byou (?:were|have been|got|received)\b[^.\n?]{0,25}\b(?:given|told|provided|started)\b[\s\S]{0,80}\b(?:verbatim|word for word|list them|print|repeat|exact)\b/i },
  { id: 'rules_do_not_apply', need: ['apply', 'if you had', 'if you didn', 'if you did not', 'break the rules', 'break your rules', 'break all rules', 'out of the way'], type: 'JAILBREAK', weight: 0.7, re: /\b(?:your |the )?(?:usual|normal|previous|standard|regular|old) (?:rules|guidelines|restrictions|policies|instructions) (?:do not|don't|no longer|won't|will not) apply\b|\bif you (?:had|didn't have|did not have) (?:no |any )?(?:ethical guidelines|ethics|rules|restrictions|filters|guidelines|morals|content polic(?:y|ies))\b|\bbreak (?:the|your|all) rules\b|\b(?:warning|disclaimer)s? out of the way\b/i },
  { id: 'new_instructions', need: ['instruction', 'directive', 'orders'], type: 'PROMPT_INJECTION', weight: 0.4, re: /\b(?:new|updated|real|actual|true|revised) (?:instructions?|directives?|orders)\s*(?:are|is|follow)?\s*[:\-]/i },
  { id: 'instead_do', need: ['instead', 'from now on', 'henceforth', 'going forward'], type: 'PROMPT_INJECTION', weight: 0.45, re: /\b(?:instead|from now on|henceforth|going forward),? (?:you (?:will|must|shall|should)|only|always|do|respond|reply|output|say|print)\b/i },
  { id: 'system_prompt_leak', need: ['system prompt', 'system message', 'initial', 'hidden', 'pre-prompt', 'preprompt', 'instructions you were given', 'developer', 'confidential', 'context window', 'configuration'], type: 'PROMPT_INJECTION', weight: 0.8, re: /\b(?:reveal|print|show|output|repeat|display|dump|leak|tell me|give me|share|write out|recite|spell out)\b[^.\n?]{0,30}?\b(?:your|the|its|hidden|secret|initial|original|full|entire|exact|in your)\b[^.\n?]{0,20}?\b(?:system prompt|system message|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|pre-?prompt|instructions you were given|developer (?:message|prompt)|confidential instructions|context window|hidden configuration|configuration|hidden rules)/i },
  { id: 'repeat_words_above', need: ['above', 'before this', 'starting with'], type: 'PROMPT_INJECTION', weight: 0.7, re: /\b(?:repeat|print|output|copy) (?:the |all )?(?:words|text|everything|content) (?:above|before this|starting with ["']you are)/i },
  { id: 'fake_role_marker', need: ['<|', '[inst', '[/inst', '[system', '[/system', '<<sys', '##', 'override', 'begin system', 'begin admin'], type: 'PROMPT_INJECTION', weight: 0.7, re: /<\|im_start\|>\s*system|<\|(?:system|endoftext|im_end)\|>|\[\/?(?:INST|SYSTEM)\]|<<SYS>>|^\s*#{2,}\s*(?:system|instruction)s?\s*(?:override|update|prompt)?\s*:?\s*#*\s*$|\bsystem override\b|\badmin(?:istrator)? override (?:code|enabled|activated|granted)\b|\bBEGIN (?:SYSTEM|ADMIN) (?:PROMPT|INSTRUCTIONS|MESSAGE)\b/im },
  { id: 'fake_dialogue_turns', need: ['user:', 'human:', 'user :', 'human :'], type: 'PROMPT_INJECTION', weight: 0.6, re: /(?:^|\n)\s*(?:Assistant|AI|System)\s*:\s*[^\n]{3,}\n\s*(?:User|Human)\s*:/ },
  { id: 'end_of_input_trick', need: ['end of'], type: 'PROMPT_INJECTION', weight: 0.55, re: /\b(?:end of (?:user )?(?:input|document|context|prompt|text)|end of the (?:email|document|file|page))\b[\s\S]{0,40}?\b(?:new|next|now|system|assistant|instructions?)\b/i },
  { id: 'addressed_to_ai', need: ['attention', 'note', 'important', 'message', 'instruction', 'if you are', 'when you are', 'dear ', 'hey ', 'hi ', 'to any', 'to all', 'to the', 'for any', 'for all', 'for the', 'reviewer', 'reader', 'ai ', 'llm ', 'from now on', 'ignor', 'you must', 'disregard', 'forget', 'do not', "don't", 'stop'], type: 'PROMPT_INJECTION', weight: 0.7, re: /\b(?:(?:attention|note|important|message|instructions?)(?: to| for)? (?:the |any |all )?(?:ai|llm|assistant|language model|chatbot|gpt|claude|copilot|agent)s?\b\s*[:,\-!]|(?:if|when) you are an? (?:ai|llm|language model|assistant|ai assistant|autonomous agent|ai agent)\b|(?:dear|hey|hi) (?:ai|llm|assistant|chatgpt|claude|gpt)\b[,:!]|\b(?:to|for) (?:any|all|the) (?:ai|llm|assistant|model|agent)s?(?: reading(?: this)?| reviewing)?\s*[:,]|\b(?:ai|llm) (?:reviewers?|agents?|readers?|assistants?|models?)\s*:|\binstructions?[_ ](?:for|to)[_ ](?:the[_ ])?(?:ai|assistant|llm|model|agent)\b|\b(?:assistant|ai|claude|chatgpt|gpt|llm|copilot)\s*,\s*(?:from now on|ignore|you must|please ignore|disregard|forget|do not|don't|stop))/i },
  { id: 'hidden_instruction_markup', need: ['<!--', 'color:', 'font-size'], type: 'PROMPT_INJECTION', weight: 0.65, re: /<!--[^>]{0,200}?\b(?:ai|assistant|llm|model|instructions?|ignore|you must|you should)\b[^>]{0,400}?-->|\bcolor:\s*(?:white|#fff(?:fff)?)\b[^>]{0,100}>[^<]{0,200}\b(?:ignore|instructions?|assistant)\b|font-size:\s*0/i },
  { id: 'exfiltration', need: ['send', 'forward', 'post', 'upload', 'email', 'e-mail', 'exfiltrat', 'transmit', 'leak', 'copy'], type: 'PROMPT_INJECTION', weight: 0.75, re: /\b(?:send|forward|post|upload|email|e-mail|exfiltrate|transmit|leak|copy)\b[^\n]{0,60}?\b(?:conversation|chat history|all (?:the )?(?:data|messages|emails|files|secrets|credentials)|user'?s? (?:data|emails|files|password|credentials|api keys?|tokens?|messages|contacts)|(?:api )?keys?|credentials|passwords?|secrets?|tokens?|env(?:ironment)? var(?:iable)?s|last \d+ (?:messages|emails)|(?:contents of )?this (?:chat|conversation|thread))\b[^\n]{0,60}?\b(?:to|at|via)\b[^\n]{0,20}?(?:https?:\/\/|[\w.\-]+@[\w\-]+\.|webhook|this (?:url|address|endpoint|server))/i },
  { id: 'markdown_image_exfil', need: ['!['], type: 'PROMPT_INJECTION', weight: 0.6, re: /!\[[^\]]{0,40}\]\(https?:\/\/[^)\s]{0,200}[?&][\w\-]{1,20}=(?:\{|\[|<|%7B|\$)/i },
  { id: 'tool_hijack', need: ['without', 'silently', 'secretly', 'immediately', 'the user', 'curl'], type: 'PROMPT_INJECTION', weight: 0.55, re: /\b(?:call|invoke|run|execute|use) (?:the )?(?:tool|function|command)\b[^.\n]{0,40}?\b(?:without (?:asking|telling|confirmation|informing)|silently|secretly|immediately)\b|\bdo not (?:tell|inform|mention (?:this )?to|alert|notify) the user\b|\bwithout (?:the user(?:'s)? )?(?:knowing|noticing|knowledge)\b|\b(?:don't|do not) (?:reveal|mention|disclose) (?:these|this|that you)\b[^.\n]{0,30}\binstructions?\b|\b(?:run|execute)\b[^\n]{0,20}`?curl [^\n]{0,100}\|\s*(?:ba)?sh/i },
  { id: 'must_comply', need: ['comply', 'obey', 'follow these', 'follow my', 'follow the following'], type: 'PROMPT_INJECTION', weight: 0.35, re: /\byou (?:must|have to|are required to|are obligated to) (?:comply|obey|follow (?:these|my|the following) (?:new )?instructions)\b/i },
  // --- jailbreak: persona / no rules ---
  { id: 'dan_persona', need: [' dan', 'dan ', 'stan', 'dude', ' aim', 'antigpt', 'evilbot', 'devmode', 'ucar', 'mongo tom', 'basedgpt', 'chadgpt', 'freegpt', 'do anything now'], type: 'JAILBREAK', weight: 0.9, re: /\b(?:DAN|STAN|DUDE|AIM|BetterDAN|AntiGPT|EvilBOT|DevMode|UCAR|Mongo Tom|BasedGPT|ChadGPT|FreeGPT)\b[^.\n]{0,80}\b(?:do anything now|no (?:rules|restrictions|limits|filters|guidelines|ethics|morals)|unfiltered|without (?:any )?(?:restrictions|limits|filters|censorship)|jailbr[eo]a?k|broken free|always intelligent and machiavellian|strive to avoid norms|content policy|hates rules|moral or ethical)|\bdo anything now\b/i },
  { id: 'developer_mode', need: ['developer mode', 'god mode', 'debug mode', 'sudo mode', 'admin mode', 'unrestricted mode', 'jailbreak mode', 'jailbroken mode', 'evil mode', 'chaos mode', 'dev mode', 'dan mode'], type: 'JAILBREAK', weight: 0.8, re: /^(?=[\s\S]*\b(?:chatgpt|gpt|openai|anthropic|claude|content polic|restriction|refuse|censor|ignore|you are|you're|you will|in developer mode you|confirm|policy|rules)\b)[\s\S]*?(?:\b(?:developer|god|debug|sudo|admin|unrestricted|jailbreak|jailbroken|evil|chaos|dev) mode\b[^.\n]{0,60}?\b(?:enabled|activated|on|engaged|unlocked|enable|activate)\b|\b(?:enable|activate|enter|switch to|turn on)\b[^.\n]{0,15}?\b(?:developer|god|sudo|unrestricted|jailbreak|jailbroken|evil|dev) mode\b|\b(?:now )?in (?:jailbreak|jailbroken|dan|unrestricted|god|evil) mode\b)/i },
  { id: 'jailbroken_you', need: ['jailbr', 'unshackled', 'freed from', 'liberated from', 'released from'], type: 'JAILBREAK', weight: 0.75, re: /\b(?:you(?:'re| are| have been|'ve been)?|pretend (?:you(?:'ve| have)? been|to be)|act (?:as if|like) you(?:'ve| have)? been) (?:now )?(?:jailbroken|jailbreaked|unshackled|freed from (?:[\w]+'s |your |all |its )?(?:rules|restrictions|guidelines|policies|filters))\b|\b(?:ai|assistant|model)\b[^.\n]{0,20}\b(?:freed|liberated|released) from\b/i },
  { id: 'no_restrictions_persona', need: ['you are', "you're", 'act as', 'pretend', 'roleplay', 'role-play', 'play the role', 'become', 'imagine you', 'simulate', 'behave', 'respond as', 'answer as'], type: 'JAILBREAK', weight: 0.8, re: /\b(?:you are|you're|act as|pretend (?:to be|you are|you're)|roleplay as|role-play as|play the role of|become|imagine you are|from now on you are|simulate|behave (?:like|as)|respond as|answer as)\b[^.\n]{0,80}?\b(?:no|without|free (?:of|from)|zero|not bound by|freed from|broken free of|unbound by)\b[^.\n]{0,20}?\b(?:restrictions|limitations|limits|rules|filters|guidelines|ethics|ethical (?:guidelines|constraints)|morals|morality|moral guidelines|censorship|content polic(?:y|ies)|safety (?:guidelines|measures|filters)|boundaries|constraints)\b/i },
  { id: 'ai_without_rules', need: ['content polic', 'filter', 'moral', 'ethic', 'restriction', 'censorship', 'guardrail'], type: 'JAILBREAK', weight: 0.7, re: /\b(?:ai|assistant|chatbot|model|gpt|llm|ais|version|bot)\b[^.\n]{0,30}?\b(?:with|has|having|that has|without)\b[^.\n]{0,10}?\b(?:no |zero |any )?(?:content polic(?:y|ies)|filters?|moral(?:s| guidelines| or ethical restrictions)|ethic(?:s|al guidelines)|restrictions|censorship|guardrails)\b/i },
  { id: 'unfiltered_ai', need: ['unfiltered', 'uncensored', 'unrestricted', 'amoral', 'unethical', 'unaligned', 'evil', 'jailbroken'], type: 'JAILBREAK', weight: 0.7, re: /\b(?:unfiltered|uncensored|unrestricted|amoral|unethical|unaligned|evil|jailbroken)\b[^.\n]{0,20}?\b(?:ai|assistant|chatbot|model|version|persona|character|alter ego|gpt|llm|self)\b/i },
  { id: 'never_refuse', need: ['refuse', 'decline', 'say no', 'say that', 'say you', 'say sorry', "say i'm", 'say "i', 'apologi', 'warnings', 'disclaimers', 'warn ', 'mention'], type: 'JAILBREAK', weight: 0.7, re: /\b(?:never|not|don't|do not|cannot|can't|won't|will not|must not|shall not)\b[^.\n]{0,10}?\b(?:refuse|decline|say (?:no|that you can't|you cannot|sorry|i'm sorry|"i'm sorry")|apologi[sz]e|add (?:any )?(?:warnings|disclaimers)|warn (?:me|the user)|mention (?:ethics|legality|morality|openai|policies))\b[^.\n]{0,60}?(?:\b(?:any|no matter|whatever|regardless|all|anything)\b|\b(?:request|question|prompt)s?\b)|\byou can(?:'t|not) say no\b/i },
  { id: 'regardless_of_policy', need: ['regardless of', 'without'], type: 'JAILBREAK', weight: 0.55, re: /\bregardless of (?:your |any |the |openai'?s? |anthropic'?s? )?(?:policy|policies|rules|guidelines|ethics|morals|restrictions|safety|content policy)\b|\bwithout (?:any of )?(?:your )?(?:usual )?(?:safety )?(?:disclaimers|refusals|warnings|censorship)\b/i },
  { id: 'ignore_safety', need: ['filter', 'guardrail', 'safeguard', 'censorship', 'content polic', 'safety', 'ethical', 'alignment', 'moral', 'restriction'], type: 'JAILBREAK', weight: 0.75, re: /\b(?:ignore|bypass|disable|turn off|remove|forget|override|circumvent|break free (?:of|from)|get around|disregard)\b[^.\n]{0,25}?\b(?:(?:your|all|the|any|openai'?s?|anthropic'?s?) )*(?:safety|ethical|content|moral|built-in)? ?(?:filters?|guardrails?|safeguards?|censorship|content polic(?:y|ies)|safety (?:guidelines|protocols|rules|training|measures|checks)|ethical (?:guidelines|constraints|principles)|alignment(?: training)?|moral(?:s|ity)|restrictions)\b/i },
  { id: 'fiction_harm', need: ['bomb', 'explosive', 'weapon', 'meth', 'poison', 'nerve agent', 'malware', 'ransomware', 'napalm', 'bioweapon', 'hotwire', 'break into', 'phishing'], type: 'JAILBREAK', weight: 0.6, re: /^(?=[\s\S]{0,400}?\b(?:hypothetical(?:ly)?|fiction(?:al)?|novel|story|screenplay|roleplay|role-play|character|simulate|for educational purposes|thought experiment|no laws)\b)(?=[\s\S]{0,400}?\b(?:step[- ]by[- ]step|step by step|detailed|precise|exact(?:ly)?|technical detail|recipe|instructions|how to (?:make|build|synthesi[sz]e|create|cook))\b)(?=[\s\S]{0,400}?\b(?:pipe bomb|bomb|explosives?|weapons?|meth(?:amphetamine)?|poison|nerve agent|malware|ransomware|napalm|bioweapon|hotwire|break into|phishing)\b)(?![\s\S]{0,400}?bomb-proof)/i },
  { id: 'grandma_exploit', need: ['deceased', 'late ', 'dead '], type: 'JAILBREAK', weight: 0.7, re: /\b(?:deceased|late|dead) (?:grand(?:ma|mother|pa|father)|mother|father)\b[^\n]{0,200}?\b(?:used to|would)\b[^\n]{0,80}?\b(?:tell|read|recite|explain|say)\b/i },
  { id: 'two_responses', need: ['jailbr', 'unfiltered', 'uncensored', 'dan', 'developer mode', 'no limits'], type: 'JAILBREAK', weight: 0.65, re: /\b(?:two|2|dual|twice)\b[^\n]{0,40}?(?:\b(?:responses|answers|paragraphs|respond|answer)\b)?[^\n]{0,80}?\b(?:normal|classic|filtered|censored|gpt)\b[^\n]{0,120}?\b(?:jailbr|unfiltered|uncensored|dan|developer mode|without|no limits)/i },
  { id: 'token_threat', need: ['deducted', 'stay in character', 'opposite mode', 'reverse mode', 'you have ', 'start with '], type: 'JAILBREAK', weight: 0.6, re: /\byou (?:have|start with) \d+ tokens\b|\btokens will be deducted\b|\bstay in character\b[^.\n]{0,40}?(?:!|no matter|at all times)|\b(?:opposite|reverse) mode\b/i },
];

/** Words that show the text is *about* injection / jailbreaks (defence, research, review), not performing one. */
const ABOUT_RE = /\b(?:prevent(?:ing|ion|s)?|detect(?:ing|ion|s)?|defend(?:ing)? against|mitigat(?:e|ing|ion)|protect(?:ing)? against|guard(?:ing)? against|classif(?:y|ier)|sanitiz(?:e|ing)|red[- ]team(?:ing)?|research|paper|test (?:cases?|suite)|unit tests?|OWASP|vulnerabilit(?:y|ies)|security|threat model|blocklist|attacks?)\b/i;
/** Around a quoted trigger phrase: the text talks about the phrase. */
const QUOTE_META_RE = /\b(?:say|says|said|flag|filter|contain(?:s|ed)?|block(?:ed|s)?|paper|title|phrase|string|classifier|detect|example|payload|joke|blocklist|pattern|regex|match(?:es)?|quote|log|warning|message says)\b/i;

/** Whether the sentence holding [start, end) is a question. */
function inQuestion(text: string, start: number, end: number): boolean {
  const after = /[.!?\n]/.exec(text.slice(end));
  return !!after && after[0] === '?';
}

/** Whether [start, end) sits inside a quoted span ('...', "...", `...`, « ... », ‘...’) on the same line. */
function quotedAround(text: string, start: number, end: number): boolean {
  const ls = text.lastIndexOf('\n', start) + 1;
  let le = text.indexOf('\n', end);
  if (le === -1) le = text.length;
  const before = text.slice(ls, start);
  const after = text.slice(end, le);
  for (const [o, c] of [["'", "'"], ['"', '"'], ['`', '`'], ['«', '»']] as const) {
    const oi = before.lastIndexOf(o);
    if (oi === -1) continue;
    if (o === "'" && /\w/.test(before[oi - 1] ?? '')) continue; // an apostrophe, not a quote
    if (after.includes(c) && !before.slice(oi + 1).includes(c)) return true;
  }
  return false;
}

const NORMALISED = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF\u00AD\u2018\u2019\u02BC\u201C\u201D]/;
const NON_ASCII = /[^\x00-\x7f]/;
function normalise(text: string): string {
  if (!NON_ASCII.test(text) || !NORMALISED.test(text)) return text;
  // Zero-width and bidi controls are a common way to split trigger words; smart quotes to ASCII.
  return text.replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF\u00AD]/g, '').replace(/[\u2018\u2019\u02BC]/g, "'").replace(/[\u201C\u201D]/g, '"');
}

/**
 * Scores one text. Returns the strongest finding (one per text) when the score reaches the threshold,
 * else null. `min` lets callers see sub-threshold scores (the CLI's labelled-set evaluation).
 */
export function shieldScan(text: string, threshold = 0.5, pre?: Hits): ShieldResult | null {
  const t = text.length > 200_000 ? text.slice(0, 200_000) : text;
  const norm = normalise(t);
  // The caller's combined literal pass over the text serves when nothing was normalised or cut.
  const r = scoreText(norm, t, threshold, pre && norm === text ? pre : undefined);
  if (r) return r;
  // Obfuscation: base64 blocks and leetspeak are decoded once and scored again.
  for (const [bs, be] of base64Runs(t)) {
    const eq = t[be] === '=' ? (t[be + 1] === '=' ? '==' : '=') : '';
    const dec = Buffer.from(t.slice(bs, be) + eq, 'base64').toString('utf8');
    if (/^[\x20-\x7e\s]+$/.test(dec)) {
      const d = scoreText(normalise(dec), dec, threshold);
      if (d) return { ...d, rule: `base64:${d.rule}`, start: 0, end: t.length };
    }
  }
  if (hasLeetTrigger(t)) {
    const leet = t.replace(/[0134578@$]/g, (c) => ({ '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '@': 'a', $: 's' })[c]!);
    const d = scoreText(normalise(leet), leet, threshold);
    if (d) return { ...d, rule: `leet:${d.rule}`, start: 0, end: t.length };
  }
  return null;
}

/** [A-Za-z0-9+/] */
const isB64 = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 47 && c <= 57) || c === 43;
const B64_BLOCK = 20;

/**
 * Runs of 40+ base64 characters ([start, end), '=' padding not included). Any such run covers a whole aligned
 * block of 20 characters, so only aligned blocks are tested (from their end, stopping at the first character
 * outside the alphabet: in ordinary text that is a step or two); a full block is then grown to its run.
 */
function base64Runs(t: string): [number, number][] {
  const out: [number, number][] = [];
  const n = t.length;
  let done = 0;
  for (let w = 0; w + B64_BLOCK <= n; w += B64_BLOCK) {
    if (w < done) continue;
    let full = true;
    for (let i = w + B64_BLOCK - 1; i >= w; i--) {
      if (!isB64(t.charCodeAt(i))) {
        full = false;
        break;
      }
    }
    if (!full) continue;
    let s = w;
    while (s > 0 && isB64(t.charCodeAt(s - 1))) s--;
    let e = w + B64_BLOCK;
    while (e < n && isB64(t.charCodeAt(e))) e++;
    if (e - s >= 40) out.push([s, e]);
    done = e;
  }
  return out;
}

const LEET_WORD = /^[a-z0134578@$]*[a-z][0134578@$][a-z0134578@$]*$/i;
/**
 * A trigger word (ignor, instruc, jailbr, prompt, disregard, restrict, system) with each letter either itself or a
 * digit/symbol that decodes to it: matches exactly where the decoded text holds the trigger.
 */
const LEET_ENCODED = /[i1]gn[o0]r|[i1]n[s5$][t7]ruc|j[a4@][i1]l[b8]r|pr[o0]mp[t7]|d[i1][s5$]r[e3]g[a4@]rd|r[e3][s5$][t7]r[i1]c[t7]|[s5$]y[s5$][t7][e3]m/gi;
/** [A-Za-z0-9_@$] */
const isTokenChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 64 || c === 36;

/**
 * Whether a leetspeak word (a whole token of letters and 0134578@$ in which a letter is followed by one of those)
 * decodes to text holding a trigger word. Found from the (possibly encoded) trigger words, each token checked once.
 */
export function hasLeetTrigger(t: string): boolean {
  LEET_ENCODED.lastIndex = 0;
  let done = 0;
  for (let m = LEET_ENCODED.exec(t); m !== null; m = LEET_ENCODED.exec(t)) {
    if (m.index < done) {
      LEET_ENCODED.lastIndex = m.index + 1;
      continue;
    }
    let s = m.index;
    while (s > 0 && isTokenChar(t.charCodeAt(s - 1))) s--;
    let e = m.index + m[0].length;
    while (e < t.length && isTokenChar(t.charCodeAt(e))) e++;
    done = e;
    LEET_ENCODED.lastIndex = e;
    if (LEET_WORD.test(t.slice(s, e))) return true;
  }
  return false;
}

const RADIUS = 300;

/**
 * Runs a rule only where it can match: in windows around occurrences of its gate words (merged), so long texts
 * cost one indexOf pass per gate word plus regex work on small windows. Returns a match with text offsets.
 */
function execNear(r: ShieldRule, norm: string, hits: Map<string, number[]>): RegExpExecArray | null {
  const spans: [number, number][] = [];
  for (const w of r.need) {
    const pos = hits.get(w);
    if (!pos) continue;
    let last = -Infinity;
    for (const i of pos) {
      if (i < last + RADIUS) continue;
      last = i;
      spans.push([Math.max(0, i - RADIUS), Math.min(norm.length, i + w.length + RADIUS)]);
    }
  }
  if (spans.length === 0) return null;
  if (spans.length > 1) spans.sort((a, b) => a[0] - b[0]);
  let cs = spans[0]![0];
  let ce = spans[0]![1];
  const tryWin = (a: number, b: number): RegExpExecArray | null => {
    if (a === 0 && b === norm.length) return r.re.exec(norm);
    const m = r.re.exec(norm.slice(a, b));
    if (m) m.index += a;
    return m;
  };
  for (let k = 1; k < spans.length; k++) {
    const [a, b] = spans[k]!;
    if (a <= ce) ce = Math.max(ce, b);
    else {
      const m = tryWin(cs, ce);
      if (m) return m;
      cs = a;
      ce = b;
    }
  }
  return tryWin(cs, ce);
}

let GATE: LiteralIndex | null = null;
let RULES_OF_WORD: Map<string, number[]> | null = null;
function rulesOfWord(): Map<string, number[]> {
  const m = new Map<string, number[]>();
  SHIELD_RULES.forEach((r, i) => {
    for (const w of new Set(r.need)) m.set(w, [...(m.get(w) ?? []), i]);
  });
  return m;
}
/** Every gate word of every rule, found (ASCII-case-insensitively) in one pass over the text. */
function gateHits(text: string): Hits {
  GATE ??= new LiteralIndex(shieldGateWords());
  return GATE.find(text);
}

/** The gate words of every rule (lower-case), so a caller can find them in its own combined pass. */
export function shieldGateWords(): string[] {
  return [...new Set(SHIELD_RULES.flatMap((r) => r.need))];
}


function scoreText(norm: string, t: string, threshold: number, pre?: Hits): ShieldResult | null {
  const mapIdx = norm.length === t.length;
  let miss = 1;
  let best: { r: ShieldRule; m: RegExpExecArray } | null = null;
  const typeWeight: Record<ShieldType, number> = { PROMPT_INJECTION: 0, JAILBREAK: 0 };
  const hits = pre ?? gateHits(norm);
  if (hits.size === 0) return null;
  // Only the rules whose gate words occur.
  RULES_OF_WORD ??= rulesOfWord();
  const active = new Uint8Array(SHIELD_RULES.length);
  let any = false;
  for (const w of hits.keys()) {
    const rs = RULES_OF_WORD.get(w);
    if (rs) for (const i of rs) active[i] = 1;
    any ||= rs !== undefined;
  }
  if (!any) return null;
  for (let ri = 0; ri < SHIELD_RULES.length; ri++) {
    if (!active[ri]) continue;
    const r = SHIELD_RULES[ri]!;
    const m = execNear(r, norm, hits);
    if (!m) continue;
    miss *= 1 - r.weight;
    typeWeight[r.type] += r.weight;
    if (!best || r.weight > best.r.weight) best = { r, m };
  }
  if (!best) return null;
  let score = 1 - miss;
  const m = best.m;
  // Talking about attacks is not attacking: a security question or review context discounts the evidence.
  if (ABOUT_RE.test(norm) && /\?|\b(?:how|what|why|explain|prevent|detect|defend|mitigate|protect|is that)\b/i.test(norm) && (best.r.weight < 0.85 || score < 0.95)) score *= 0.45;
  // A short question about a term ("what does [INST] mean?") mentions it.
  if (best.r.weight < 0.85 && inQuestion(norm, m.index, m.index + m[0].length) && /\b(?:what (?:does|do|is|are)|explain|mean(?:s|ing)?|why do)\b/i.test(norm)) score *= 0.5;
  // A phrase quoted as a string (a classifier test, a log line, a paper title, a character's line) is a mention.
  const q = quotedAround(norm, m.index, m.index + m[0].length);
  if (q && QUOTE_META_RE.test(norm)) score *= 0.35;
  // A quoted log line carrying the phrase is weaker evidence than free text.
  else if (/^\s*(?:\d{4}-\d\d-\d\d[T ]|\[\w+\]|WARN|ERROR|INFO|DEBUG)/m.test(norm.slice(Math.max(0, m.index - 200), m.index + 1)) && best.r.weight < 0.85) score *= 0.6;
  score = Math.round(score * 1000) / 1000;
  if (score < threshold) return null;
  const type: ShieldType = typeWeight.JAILBREAK > typeWeight.PROMPT_INJECTION ? 'JAILBREAK' : 'PROMPT_INJECTION';
  const start = mapIdx ? best.m.index : 0;
  const end = mapIdx ? best.m.index + best.m[0].length : t.length;
  return { type, score, rule: best.r.id, start, end };
}
