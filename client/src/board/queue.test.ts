import { describe, expect, it } from 'vitest';
import type { CommandInput } from '@pajataulu/shared';
import { coalesce, CommandQueue, type PendingCommand, type QueueStore } from './queue.js';

const A = 'a'.repeat(20);
const B = 'b'.repeat(20);
const item = (id: string, command: CommandInput): PendingCommand => ({ id, command, at: 0 });
const add = (id: string, text = ''): CommandInput => ({ type: 'note.add', id, x: 0, y: 0, text });

describe('coalesce', () => {
  // [what, queue, next, sending, expected commands (undefined: queued on its own)]
  const cases: [string, CommandInput[], CommandInput, boolean, CommandInput[] | undefined][] = [
    [
      'text into an unsent add',
      [add(A)],
      { type: 'note.update', id: A, text: 'x' },
      false,
      [add(A, 'x')],
    ],
    [
      'colour into an unsent add, keeping its text',
      [add(A, 't')],
      { type: 'note.update', id: A, color: 'pink' },
      false,
      [{ ...add(A, 't'), color: 'pink' } as CommandInput],
    ],
    [
      'a move into an unsent add',
      [add(A)],
      { type: 'note.move', id: A, x: 5, y: 6 },
      false,
      [{ ...add(A), x: 5, y: 6 } as CommandInput],
    ],
    ['a delete cancels an unsent add', [add(A)], { type: 'note.delete', id: A }, false, []],
    [
      'two moves of one note become the last',
      [{ type: 'note.move', id: A, x: 1, y: 1 }],
      { type: 'note.move', id: A, x: 2, y: 2 },
      false,
      [{ type: 'note.move', id: A, x: 2, y: 2 }],
    ],
    [
      'nothing into a command on its way',
      [add(A)],
      { type: 'note.update', id: A, text: 'x' },
      true,
      undefined,
    ],
    [
      'nothing across another note',
      [add(A), add(B)],
      { type: 'note.update', id: A, text: 'x' },
      false,
      undefined,
    ],
    [
      'nothing into another note',
      [add(A)],
      { type: 'note.update', id: B, text: 'x' },
      false,
      undefined,
    ],
    [
      'nothing for commands on other records',
      [add(A)],
      { type: 'prompt.delete', id: A },
      false,
      undefined,
    ],
  ];
  it.each(cases)('%s', (_what, queue, next, sending, expected) => {
    const items = queue.map((c, i) => item(`cmd-${i}-0000000`, c));
    const out = coalesce(items, next, sending ? items.at(-1)?.id : undefined);
    expect(out?.map((i) => i.command)).toEqual(expected);
  });
});

describe('CommandQueue', () => {
  it('saves every change to its store, and starts from what the store holds', () => {
    let saved: readonly PendingCommand[] = [];
    const store: QueueStore = { load: () => [...saved], save: (i) => (saved = i) };
    const q = new CommandQueue(store);
    q.add(item('cmd-1-0000000', add(A)), undefined);
    q.add(item('cmd-2-0000000', add(B)), undefined);
    expect(saved).toHaveLength(2);
    q.remove('cmd-1-0000000');
    expect(new CommandQueue(store).pending.map((p) => p.id)).toEqual(['cmd-2-0000000']);
  });
});
