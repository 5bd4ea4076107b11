/**
 * What in a note's text looks like personal data: a Finnish personal identity code
 * (henkilötunnus), a phone number, an e-mail address, or the name of someone on the board. A
 * workshop board of a health-care organisation must not turn into a register of patients or
 * staff, so the composer warns before such a note is sent and the server flags it for the
 * facilitator.
 *
 * Pure: the text is read, never stored or logged; a finding carries its kind and span only. It
 * errs towards silence: a year, a time, a count or an ordinary number is never a finding, and an
 * identity code counts only with a valid date and check character.
 */

/** The kinds of personal data the guard looks for, in the order a warning lists them. */
export const PERSONAL_DATA_KINDS = ['identityCode', 'phone', 'email', 'name'] as const;
export type PersonalDataKind = (typeof PERSONAL_DATA_KINDS)[number];

/** One thing in a text that looks like personal data: its kind and where it is. */
export interface PersonalDataFinding {
  kind: PersonalDataKind;
  /** Offset of the first UTF-16 code unit. */
  start: number;
  /** Offset just past the last UTF-16 code unit. */
  end: number;
}

/** Where to look and for whom. */
export interface PersonalDataOptions {
  /** Display names of the people on the board (named boards); each word of a name is matched. */
  names?: readonly string[];
}

/**
 * Name parts shorter than this are not matched: "Jo" or "Li" would match ordinary words and
 * initials far more often than a person.
 */
export const MIN_NAME_PART_LENGTH = 3;

/** Fewest digits of a Finnish phone number in national form (area code and subscriber, with the 0). */
export const MIN_PHONE_DIGITS = 7;

/** Most digits of a phone number in national form; an international number may have up to 15. */
export const MAX_PHONE_DIGITS = 12;

/** Most digits of an international number (E.164), country code included. */
export const MAX_INTERNATIONAL_PHONE_DIGITS = 15;

/** The check characters of the identity code, indexed by the nine digits modulo 31. */
export const IDENTITY_CODE_CHECK_CHARACTERS = '0123456789ABCDEFHJKLMNPRSTUVWXY';

/** Century signs of the identity code: the pre-2023 ones (+ - A) and those added in 2023. */
const CENTURY: Readonly<Record<string, number>> = {
  '+': 1800,
  '-': 1900,
  Y: 1900,
  X: 1900,
  W: 1900,
  V: 1900,
  U: 1900,
  A: 2000,
  B: 2000,
  C: 2000,
  D: 2000,
  E: 2000,
  F: 2000,
};

const IDENTITY_CODE = /(?<![\p{L}\p{N}])(\d{6})([-+A-FU-Y])(\d{3})([0-9A-Y])(?![\p{L}\p{N}])/giu;

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

/**
 * Whether `code` is a Finnish personal identity code: a real date of birth, a century sign of
 * either generation, an individual number from 002 and the right check character. Letters may be
 * in either case, as people type them.
 */
export function isIdentityCode(code: string): boolean {
  const m = /^(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])$/i.exec(code);
  if (!m) return false;
  const [, dd, mm, yy, sign, individual, check] = m as unknown as string[];
  const century = CENTURY[sign!.toUpperCase()];
  if (century === undefined) return false;
  if (!validDate(century + Number(yy), Number(mm), Number(dd))) return false;
  if (Number(individual) < 2) return false;
  const index = Number(`${dd}${mm}${yy}${individual}`) % 31;
  return IDENTITY_CODE_CHECK_CHARACTERS[index] === check!.toUpperCase();
}

function identityCodes(text: string, out: PersonalDataFinding[]): void {
  for (const m of text.matchAll(IDENTITY_CODE)) {
    if (isIdentityCode(m[0]))
      out.push({ kind: 'identityCode', start: m.index, end: m.index + m[0].length });
  }
}

/**
 * Digit groups joined by one space or hyphen (" - " too), an optional leading "+", and groups in
 * parentheses ("(09)", "+358 (0)40"). Not after or before a letter or digit, nor inside a
 * decimal, a time or a date written with dots, colons, commas or slashes.
 */
const PHONE_CANDIDATE =
  /(?<![\p{L}\p{N}.,:/+])\+?\(?\d+(?:\)\d*)?(?:(?: - | |-)\(?\d+(?:\)\d*)?)*(?![\p{L}\p{N}]|[.,:/]\d)/gu;

/** A date written with hyphens or slashes (1-2-2024, 01-02-24): never a phone number. */
const HYPHEN_DATE = /^\d{1,2}[-/]\d{1,2}[-/](?:\d{2}|\d{4})$/;

function isPhone(candidate: string): boolean {
  if (HYPHEN_DATE.test(candidate)) return false;
  const groups = candidate.split(/ - | |-/).map((g) => g.replace(/[()+]/g, ''));
  let digits = groups.join('');
  let national: string;
  let rest: string[];
  if (candidate.startsWith('+') || digits.startsWith('00')) {
    const international = candidate.startsWith('+') ? digits : digits.slice(2);
    if (!international.startsWith('358')) {
      // Another country: a country code, a plausible length, grouped as numbers are.
      return (
        /^[1-9]/.test(international) &&
        international.length >= MIN_PHONE_DIGITS + 1 &&
        international.length <= MAX_INTERNATIONAL_PHONE_DIGITS &&
        groups.slice(2).every((g) => g.length >= 2)
      );
    }
    digits = international.slice(3);
    if (digits.startsWith('0')) digits = digits.slice(1);
    national = `0${digits}`;
    // The country code is a group of its own or the start of the first group.
    rest = groups.slice(1).filter((g) => g !== '0');
  } else {
    national = digits;
    rest = groups.slice(1);
  }
  if (!/^0[1-9]/.test(national)) return false;
  if (national.length < MIN_PHONE_DIGITS || national.length > MAX_PHONE_DIGITS) return false;
  // Numbers are grouped in twos and more; "0 1 2 3 4 5 6" is a list, not a number.
  return rest.slice(1).every((g) => g.length >= 2);
}

function phones(text: string, out: PersonalDataFinding[]): void {
  for (const m of text.matchAll(PHONE_CANDIDATE)) {
    if (isPhone(m[0])) out.push({ kind: 'phone', start: m.index, end: m.index + m[0].length });
  }
}

/**
 * An address with "@", or with "(at)" / "[at]" as Finnish public-sector pages write them to
 * keep harvesters away.
 */
const EMAIL =
  /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+(?:@| ?\(at\) ?| ?\[at\] ?)[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}(?![\p{L}\p{N}])/giu;

function emails(text: string, out: PersonalDataFinding[]): void {
  for (const m of text.matchAll(EMAIL)) {
    out.push({ kind: 'email', start: m.index, end: m.index + m[0].length });
  }
}

/**
 * Names that are also everyday words (Anna "give", Onni "luck", Veli "brother", Toivo "hope",
 * Hope, Will). They count only where they are written as a name: capitalised, and not as the
 * first word of a sentence.
 */
export const NAMES_THAT_ARE_WORDS: ReadonlySet<string> = new Set([
  'aamu',
  'aino',
  'anna',
  'armas',
  'aura',
  'helmi',
  'ilo',
  'ilta',
  'into',
  'kaino',
  'lempi',
  'lumi',
  'oiva',
  'onni',
  'rauha',
  'satu',
  'sulo',
  'suvi',
  'taimi',
  'toivo',
  'tuuli',
  'tähti',
  'urho',
  'usko',
  'valo',
  'veli',
  'voitto',
  'bill',
  'faith',
  'grace',
  'hope',
  'joy',
  'mark',
  'may',
  'rose',
  'will',
  'stig',
]);

const CASES = [
  '',
  'n',
  'a',
  'ä',
  'ta',
  'tä',
  'na',
  'nä',
  'ksi',
  'lla',
  'llä',
  'lle',
  'lta',
  'ltä',
  'ssa',
  'ssä',
  'sta',
  'stä',
  'an',
  'en',
  'in',
  'on',
  'un',
  'yn',
  'än',
  'ön',
  'han',
  'hen',
  'hin',
  'hon',
  'hun',
  'hyn',
  'hän',
  'hön',
  'lt',
  't',
  'ine',
  'ineen',
  'kin',
  's',
];
const CLITICS = [
  '',
  'kin',
  'kaan',
  'kään',
  'han',
  'hän',
  'ko',
  'kö',
  'pa',
  'pä',
  'ni',
  'si',
  'nsa',
  'nsä',
];

/** Every ending a name may carry after its stem: a case, then a possessive or clitic. */
const ENDINGS: ReadonlySet<string> = new Set(CASES.flatMap((c) => CLITICS.map((k) => c + k)));
const LONGEST_ENDING = Math.max(...[...ENDINGS].map((e) => e.length));

/**
 * The stems a name takes before a case ending: the name itself, its weak grade (Mikko → Miko-n,
 * Matti → Mati-lle), -nen → -se-/-s- (Virtanen → Virtase-n, Virtas-ta), -s → -kse-
 * (Markus → Markukse-n), and a connecting -i- after other consonants (Daniel → Danieli-n).
 */
function stems(name: string): string[] {
  const out = [name];
  const weak = name.replace(
    /(kk|pp|tt)([aeiouyäö])$/,
    (_, double: string, vowel: string) => `${double[0]}${vowel}`,
  );
  if (weak !== name) out.push(weak);
  if (name.endsWith('nen')) out.push(`${name.slice(0, -3)}se`, `${name.slice(0, -3)}s`);
  else if (/[aeiouyäö]s$/.test(name)) out.push(`${name.slice(0, -1)}kse`);
  else if (/[^aeiouyäö]$/.test(name)) out.push(`${name}i`);
  return out;
}

interface NameIndex {
  /** Stem → whether the name it comes from is also an everyday word. */
  stems: Map<string, boolean>;
}

/** Indexes by the names array, so a caller checking many texts with one array builds it once. */
const INDEXES = new WeakMap<readonly string[], NameIndex>();

function indexNames(names: readonly string[]): NameIndex {
  const known = INDEXES.get(names);
  if (known) return known;
  const index: NameIndex = { stems: new Map() };
  INDEXES.set(names, index);
  for (const name of names) {
    for (const part of name.toLocaleLowerCase('fi').match(/\p{L}+/gu) ?? []) {
      if (part.length < MIN_NAME_PART_LENGTH) continue;
      const common = NAMES_THAT_ARE_WORDS.has(part);
      for (const stem of stems(part)) {
        // A stem of an ordinary name wins over the same stem of an everyday word.
        index.stems.set(stem, (index.stems.get(stem) ?? true) && common);
      }
    }
  }
  return index;
}

/** Whether the word at `start` begins a sentence: first in the text, or after . ! ? … or a line break. */
function startsSentence(text: string, start: number): boolean {
  // Back over spaces and opening quotes only: a constant amount of work for most words.
  let i = start - 1;
  while (i >= 0 && /[ \t"'“”«»(]/u.test(text[i]!)) i--;
  return i < 0 || /[\n\r.!?…:•*-]/u.test(text[i]!);
}

function nameMatches(index: NameIndex, text: string, out: PersonalDataFinding[]): void {
  if (index.stems.size === 0) return;
  for (const m of text.matchAll(/\p{L}[\p{L}\p{M}]*/gu)) {
    const word = m[0].toLocaleLowerCase('fi');
    if (word.length < MIN_NAME_PART_LENGTH) continue;
    // A lookup per place the stem could end, never a scan of the names.
    for (let cut = Math.max(1, word.length - LONGEST_ENDING); cut <= word.length; cut++) {
      if (!ENDINGS.has(word.slice(cut))) continue;
      const common = index.stems.get(word.slice(0, cut));
      if (common === undefined) continue;
      if (common) {
        const first = m[0][0]!;
        if (first === first.toLocaleLowerCase('fi') || startsSentence(text, m.index)) continue;
      }
      out.push({ kind: 'name', start: m.index, end: m.index + m[0].length });
      break;
    }
  }
}

/**
 * Everything in `text` that looks like personal data, in the order it appears. A phone number
 * found inside an identity code is left out.
 */
export function findPersonalData(
  text: string,
  options: PersonalDataOptions = {},
): PersonalDataFinding[] {
  const found: PersonalDataFinding[] = [];
  identityCodes(text, found);
  emails(text, found);
  const others: PersonalDataFinding[] = [];
  phones(text, others);
  nameMatches(indexNames(options.names ?? []), text, others);
  for (const f of others) {
    if (!found.some((g) => f.start < g.end && g.start < f.end)) found.push(f);
  }
  return found.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The distinct kinds among `findings`, in the order of {@link PERSONAL_DATA_KINDS}. */
export function personalDataKinds(findings: readonly PersonalDataFinding[]): PersonalDataKind[] {
  return PERSONAL_DATA_KINDS.filter((k) => findings.some((f) => f.kind === k));
}
