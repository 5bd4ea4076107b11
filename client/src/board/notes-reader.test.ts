import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listNotes, notesMap } from '@pajataulu/shared';
import { NotesReader } from './notes-reader.js';

/** A seeded generator, so a failing run names its case. */
function rng(seed: number) {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

function addNote(doc: Y.Doc, id: string, createdAt: number) {
  const m = new Y.Map<unknown>();
  m.set('text', id);
  m.set('x', 0);
  m.set('y', 0);
  m.set('createdAt', createdAt);
  m.set('reactions', new Y.Map<number>());
  notesMap(doc).set(id, m);
}

describe('NotesReader', () => {
  it('reads the same notes as a full read after adds, moves, nested changes and deletes', () => {
    for (const seed of [1, 2, 3, 42]) {
      const rand = rng(seed);
      // Changes arrive as remote updates, as they do in the app.
      const server = new Y.Doc();
      const replica = new Y.Doc();
      server.on('update', (u: Uint8Array) => Y.applyUpdate(replica, u));
      const reader = new NotesReader(replica);
      const ids: string[] = [];
      for (let step = 0; step < 300; step++) {
        const r = rand();
        const notes = notesMap(server);
        server.transact(() => {
          if (r < 0.3 || ids.length === 0) {
            const id = `n${step}`;
            ids.push(id);
            addNote(server, id, Math.floor(rand() * 50));
          } else if (r < 0.7) {
            const m = notes.get(ids[Math.floor(rand() * ids.length)]!);
            m?.set('x', Math.floor(rand() * 1000));
          } else if (r < 0.85) {
            const m = notes.get(ids[Math.floor(rand() * ids.length)]!);
            (m?.get('reactions') as Y.Map<number> | undefined)?.set('heart', step);
          } else {
            const i = Math.floor(rand() * ids.length);
            notes.delete(ids[i]!);
            ids.splice(i, 1);
          }
        });
        if (rand() < 0.5) expect(reader.read()).toEqual(listNotes(replica));
      }
      expect(reader.read()).toEqual(listNotes(replica));
    }
  });

  it('keeps the object of a note that did not change', () => {
    const doc = new Y.Doc();
    addNote(doc, 'a', 1);
    addNote(doc, 'b', 2);
    const reader = new NotesReader(doc);
    const [a1, b1] = reader.read();
    notesMap(doc).get('b')!.set('x', 5);
    const [a2, b2] = reader.read();
    expect(a2).toBe(a1);
    expect(b2).not.toBe(b1);
    expect(b2!.x).toBe(5);
  });
});
