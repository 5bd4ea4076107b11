import { describe, expect, it } from 'vitest';
import {
  findPersonalData,
  IDENTITY_CODE_CHECK_CHARACTERS,
  isIdentityCode,
  personalDataKinds,
  type PersonalDataKind,
} from './personal-data.js';

/** The kinds found in `text`, and the exact texts they cover. */
function found(text: string, names: string[] = []): [PersonalDataKind, string][] {
  return findPersonalData(text, { names }).map((f) => [f.kind, text.slice(f.start, f.end)]);
}

/** The check character of a date and individual number, computed as the population register does. */
function checkCharacter(date: string, individual: string): string {
  return IDENTITY_CODE_CHECK_CHARACTERS[Number(date + individual) % 31]!;
}

describe('personal identity codes', () => {
  it.each([
    // The population register's own examples, old and 2023 century signs.
    ['131052-308T'],
    ['010594Y9032'],
    ['280264-051U'],
    ['010100A123D'],
    ['311299F456X'],
    ['290200A002C'], // 2000 was a leap year
    ['150387X2343'],
    ['050505B999S'],
    ['121212+345M'],
    ['240688U1230'],
    ['010101V777S'],
    ['300900W4216'],
    ['070707C111J'],
    ['080808D222U'],
    ['090909E3334'],
    ['010594y9032'], // typed in lower case
  ])('accepts %s', (code) => {
    expect(isIdentityCode(code)).toBe(true);
    expect(found(`Potilas ${code} kotiutui.`)).toEqual([['identityCode', code]]);
  });

  it('agrees with the check character computed for every date of a year', () => {
    for (let day = new Date(Date.UTC(1987, 0, 1)); day.getUTCFullYear() === 1987;) {
      const date =
        String(day.getUTCDate()).padStart(2, '0') +
        String(day.getUTCMonth() + 1).padStart(2, '0') +
        '87';
      const code = `${date}-123${checkCharacter(date, '123')}`;
      expect(isIdentityCode(code), code).toBe(true);
      day = new Date(day.getTime() + 86_400_000);
    }
  });

  it.each([
    ['131052-308A', 'wrong check character'],
    ['131052-309T', 'individual number changed'],
    ['010594Y9033', 'wrong check character, 2023 sign'],
    ['010594Z9032', 'no such century sign'],
    ['310294-123L', '31 February'],
    ['290201A123' + checkCharacter('290201', '123'), '29 February 2001'],
    ['290200-123' + checkCharacter('290200', '123'), '29 February 1900, not a leap year'],
    ['011394-123' + checkCharacter('011394', '123'), 'month 13'],
    ['000194-123' + checkCharacter('000194', '123'), 'day 0'],
    ['010194-001' + checkCharacter('010194', '001'), 'individual number 001'],
    ['131052308T', 'no century sign'],
  ])('refuses %s (%s)', (code) => {
    expect(isIdentityCode(code)).toBe(false);
    expect(found(`Potilas ${code}.`).filter(([k]) => k === 'identityCode')).toEqual([]);
  });

  it('finds a code only as a word of its own', () => {
    expect(found('x131052-308T')).toEqual([]);
    expect(found('131052-308TT')).toEqual([]);
    expect(found('(131052-308T)')).toEqual([['identityCode', '131052-308T']]);
  });
});

describe('phone numbers', () => {
  it.each([
    '040 123 4567',
    '0401234567',
    '040-123 4567',
    '050 1234567',
    '044 123 45 67',
    '+358 40 1234567',
    '+358401234567',
    '+358 (0)40 123 4567',
    '00358 40 123 4567',
    '09-123 4567',
    '09 1234 567',
    '(09) 123 4567',
    '02 234 5678',
    '010 123 4567',
    '+46 70 123 45 67',
  ])('finds %s', (phone) => {
    expect(found(`Soita ${phone}, kiitos`)).toEqual([['phone', phone]]);
  });

  it.each([
    ['a year', 'Vuonna 2023 aloitimme, 2024 jatkamme.'],
    ['a time', 'Palaveri klo 12.30 tai 9:15 ja 08.00–16.00.'],
    ['working hours', 'Vuorot 07-15 ja 15-23.'],
    ['note counts', 'Lappuja on 120, ääniä 3 000 ja 15 %.'],
    ['a date with dots', 'Seuraava kerta 01.02.2025.'],
    ['a date with hyphens', 'Seuraava kerta 01-02-2025.'],
    ['a decimal', 'Keskiarvo 0,1234567.'],
    ['a list of digits', 'Vaihtoehdot 0 1 2 3 4 5 6'],
    ['a short number with a zero', 'Huone 012 ja 0800'],
    ['a sum in euros', 'Budjetti 1 200 000 euroa'],
    ['zeros', 'Tulos 0000000000 ja 0000 0000'],
    ['a list after a plus', 'Pisteet +4 5 6 7 8 9 1 2'],
  ])('leaves %s alone', (_, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('e-mail addresses', () => {
  it.each([
    'maija.meikalainen@example.fi',
    'm.meikäläinen@hyvinvointialue.fi',
    'etunimi.sukunimi(at)hus.fi',
    'etunimi.sukunimi [at] hus.fi',
    'first+tag@sub.example.com',
  ])('finds %s', (email) => {
    expect(found(`Laita viestiä ${email} niin vastaan.`)).toEqual([['email', email]]);
  });

  it.each([
    ['a handle', 'Tiimi @sote kokoontuu'],
    ['an at without a domain', 'Tapaaminen @ kahvio'],
    ['a file name', 'Katso raportti.pdf'],
  ])('leaves %s alone', (_, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('names of people on the board', () => {
  const names = [
    'Mikko Virtanen',
    'Maija Meikäläinen',
    'Anna Korhonen',
    'Markus',
    'Daniel Li',
    'Jo Ek',
  ];

  it.each([
    ['Mikko hoiti asian hyvin.', 'Mikko'],
    ['kiitos mikko!', 'mikko'],
    ['Annoin palautteen Mikolle.', 'Mikolle'],
    ['Mikon vuoro oli raskas.', 'Mikon'],
    ['Kysyin Mikoltakin.', 'Mikoltakin'],
    ['Virtasen tiimissä', 'Virtasen'],
    ['Puhuin Virtasen kanssa ja Virtaselle.', 'Virtasen'],
    ['Meikäläinen sanoi', 'Meikäläinen'],
    ['Maijalle kiitos', 'Maijalle'],
    ['Markuksen idea', 'Markuksen'],
    ['Danielin kanssa', 'Danielin'],
    ["Mikko's shift", 'Mikko'],
  ])('finds the name in %j', (text, name) => {
    expect(found(text, names)[0]).toEqual(['name', name]);
  });

  it('finds a name that is also a word where it is written as a name', () => {
    expect(found('Kiitos Annalle ja Anna Korhoselle', names)).toEqual([
      ['name', 'Annalle'],
      ['name', 'Anna'],
      ['name', 'Korhoselle'],
    ]);
  });

  it.each([
    ['a name that is a word, as a word', 'Anna palautetta useammin. Voisitko anna tilaa?'],
    ['a word that begins like a name', 'Mikrofoni ja mikroaaltouuni, virtaa riittää.'],
    ['a short name part', 'Jo riittää, li-akku on ek-luokkaa.'],
    ['nobody on the board', 'Pekka hoiti asian'],
  ])('leaves %s alone', (_, text) => {
    expect(found(text, names)).toEqual([]);
  });

  it('looks for no names when the board knows none', () => {
    expect(found('Mikko hoiti asian')).toEqual([]);
  });
});

describe('findings', () => {
  it('lists every kind in the order of the text, with exact spans', () => {
    const text = 'Mikko (131052-308T) p. 040 123 4567, mikko@example.fi';
    expect(found(text, ['Mikko'])).toEqual([
      ['name', 'Mikko'],
      ['identityCode', '131052-308T'],
      ['phone', '040 123 4567'],
      ['email', 'mikko@example.fi'],
    ]);
    expect(personalDataKinds(findPersonalData(text, { names: ['Mikko'] }))).toEqual([
      'identityCode',
      'phone',
      'email',
      'name',
    ]);
  });

  it('finds nothing in an ordinary note', () => {
    expect(
      found(
        'Toivon, että esihenkilö kysyisi useammin kuulumisia. Viikkopalaveri klo 9.00 on hyvä, 15 min riittää.',
        ['Mikko Virtanen'],
      ),
    ).toEqual([]);
  });
});
