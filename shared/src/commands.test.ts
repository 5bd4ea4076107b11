import { describe, expect, it } from 'vitest';
import { parseEnvelope } from './commands.js';
import { MAX_NOTE_TEXT_LENGTH, MAX_PROMPT_TITLE_LENGTH } from './limits.js';

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
