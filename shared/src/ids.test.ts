import { describe, expect, it } from 'vitest';
import {
  formatJoinCode,
  JOIN_CODE_ALPHABET,
  JOIN_CODE_LENGTH,
  newJoinCode,
  newSecret,
  normalizeJoinCode,
  randomId,
  RECORD_ID_PATTERN,
} from './ids.js';

describe('join codes', () => {
  it('are drawn from the unambiguous alphabet', () => {
    for (let i = 0; i < 200; i++) {
      const c = newJoinCode();
      expect(c).toHaveLength(JOIN_CODE_LENGTH);
      for (const ch of c) expect(JOIN_CODE_ALPHABET).toContain(ch);
    }
    for (const ch of '01ILO') expect(JOIN_CODE_ALPHABET).not.toContain(ch);
  });

  it.each([
    ['abc defg', 'ABCDEFG'],
    [' ABC-DEFG ', 'ABCDEFG'],
    ['abcdef', undefined],
    ['ABCDEF0', undefined],
    ['ABCDEFGH', undefined],
  ])('reads %j as %j', (input, expected) => {
    expect(normalizeJoinCode(input)).toBe(expected);
  });

  it('formats for reading aloud', () => {
    expect(formatJoinCode('ABCDEFG')).toBe('ABC DEFG');
  });
});

describe('ids and secrets', () => {
  it('record ids match the pattern commands require', () => {
    for (let i = 0; i < 100; i++) expect(randomId(20)).toMatch(RECORD_ID_PATTERN);
  });
  it('secrets are 43 url-safe characters and differ', () => {
    const a = newSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSecret()).not.toBe(a);
  });
});
