import { describe, expect, it } from 'vitest';
import { parseEnvelope } from './commands.js';
import { MAX_NOTE_TEXT_LENGTH, MAX_PROMPT_TITLE_LENGTH } from './limits.js';
import { ErrorCode } from './protocol.js';

const ID = 'abcdefghij0123456789';
const env = (command: unknown, id = 'cmd-00001') => ({ id, command });

describe('parseEnvelope', () => {
  // [what, message, expected error code or 'ok']
  it.each([
    ['a valid note.add', env({ type: 'note.add', id: ID, x: 1, y: 2 }), 'ok'],
    [
      'a valid prompt.update with only a title',
      env({ type: 'prompt.update', id: ID, title: 'T' }),
      'ok',
    ],
    ['null', null, 'invalid_message'],
    ['an array', [], 'invalid_message'],
    ['an id too short', env({ type: 'note.add', id: ID, x: 1, y: 2 }, 'short'), 'invalid_message'],
    [
      'an id with spaces',
      env({ type: 'note.add', id: ID, x: 1, y: 2 }, 'has spaces 1'),
      'invalid_message',
    ],
    ['a command that is a string', env('note.add'), 'invalid_message'],
    ['a missing type', env({ id: ID }), 'unknown_command'],
    ['a prototype key as type', env({ type: 'constructor' }), 'unknown_command'],
    ['a float as x', env({ type: 'note.add', id: ID, x: 1.5, y: 2 }), 'ok'],
    ['Infinity as x', env({ type: 'note.add', id: ID, x: Infinity, y: 2 }), 'invalid_command'],
    [
      'an upper-case record id',
      env({ type: 'note.add', id: ID.toUpperCase(), x: 1, y: 2 }),
      'invalid_command',
    ],
    ['an unknown colour', env({ type: 'note.update', id: ID, color: 'red' }), 'invalid_command'],
    [
      'a prompt smaller than allowed',
      env({ type: 'prompt.add', id: ID, title: 't', x: 0, y: 0, w: 10, h: 300 }),
      'invalid_command',
    ],
    [
      'a note text one over',
      env({ type: 'note.add', id: ID, x: 0, y: 0, text: 'x'.repeat(MAX_NOTE_TEXT_LENGTH + 1) }),
      'text_too_long',
    ],
    [
      'a prompt title one over',
      env({ type: 'prompt.update', id: ID, title: 'x'.repeat(MAX_PROMPT_TITLE_LENGTH + 1) }),
      'text_too_long',
    ],
  ])('%s → %s', (_what, message, expected) => {
    const r = parseEnvelope(message);
    if (expected === 'ok') expect(r.ok).toBe(true);
    else expect(r).toMatchObject({ ok: false, error: { code: expected } });
  });

  it('fills in defaults and normalises text to NFC without control characters', () => {
    const r = parseEnvelope(
      env({ type: 'note.add', id: ID, x: 0, y: 0, text: 'A\u0308iti\u0007\nrivi' }),
    );
    expect(r).toMatchObject({ ok: true, envelope: { command: { text: 'Äiti\nrivi' } } });
    const blank = parseEnvelope(env({ type: 'note.add', id: ID, x: 0, y: 0 }));
    expect(blank).toMatchObject({ ok: true, envelope: { command: { text: '' } } });
  });

  it('keeps the command id in errors so the client can match them', () => {
    expect(parseEnvelope(env({ type: 'nope' }, 'cmd-12345'))).toMatchObject({ id: 'cmd-12345' });
  });
});

describe('text limits count UTF-16 code units after NFC', () => {
  const add = (text: string) =>
    parseEnvelope({
      id: 'cmd-limit-1',
      command: { type: 'note.add', id: 'n0000000000000000001', x: 0, y: 0, text },
    });

  it('takes emoji up to the limit in code units, and refuses one more', () => {
    expect(add('😀'.repeat(MAX_NOTE_TEXT_LENGTH / 2)).ok).toBe(true);
    const over = add(`${'😀'.repeat(MAX_NOTE_TEXT_LENGTH / 2)}x`);
    expect(over.ok || over.error.code).toBe(ErrorCode.TextTooLong);
  });

  it.each([
    ['U+FB2C', '\uFB2C', 3],
    ['U+0344', '\u0344', 2],
    ['U+1D15E', '\u{1D15E}', 2],
  ])('refuses text within the limit as sent that grows past it under NFC (%s)', (_, ch, growth) => {
    expect(ch.normalize('NFC').length).toBe(ch.length * growth);
    const count = Math.floor(MAX_NOTE_TEXT_LENGTH / ch.length);
    const r = add(ch.repeat(count));
    expect(r.ok || r.error.code).toBe(ErrorCode.TextTooLong);
    const fits = add(ch.repeat(Math.floor(MAX_NOTE_TEXT_LENGTH / (ch.length * growth))));
    expect(fits.ok).toBe(true);
    if (fits.ok && fits.envelope.command.type === 'note.add')
      expect(fits.envelope.command.text.length).toBeLessThanOrEqual(MAX_NOTE_TEXT_LENGTH);
  });
});
