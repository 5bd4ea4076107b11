import { describe, expect, it } from 'vitest';
import { COMMAND_TYPES } from './commands.js';
import { isAllowed, PERMISSIONS } from './permissions.js';

describe('permission table', () => {
  it('covers every command for every role', () => {
    expect(Object.keys(PERMISSIONS).sort()).toEqual([...COMMAND_TYPES].sort());
  });

  // command × role → [on own record, on someone else's]
  it.each([
    ['note.add', 'participant', true, true],
    ['note.move', 'participant', true, false],
    ['note.update', 'participant', true, false],
    ['note.delete', 'participant', true, false],
    ['prompt.add', 'participant', false, false],
    ['prompt.update', 'participant', false, false],
    ['board.update', 'participant', false, false],
    ['note.update', 'facilitator', true, true],
    ['prompt.delete', 'facilitator', true, true],
    ['note.add', 'projector', false, false],
    ['note.move', 'projector', false, false],
  ] as const)('%s by a %s: own %s, other %s', (type, role, own, other) => {
    expect(isAllowed(role, type, true)).toBe(own);
    expect(isAllowed(role, type, false)).toBe(other);
  });
});
