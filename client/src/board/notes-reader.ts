/**
 * Reads the replica's notes for rendering, reading again only the notes a transaction touched.
 * On a board of thousands of notes, reading every note for every frame with a remote change costs
 * more than drawing the frame; a note that did not change keeps its object, so the canvas can skip it.
 */
import type * as Y from 'yjs';
import { notesMap, readNote, type Note } from '@pajataulu/shared';

const byAge = (a: Note, b: Note) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1);

export class NotesReader {
  private readonly cache = new Map<string, Note>();
  private readonly dirty = new Set<string>();
  private sorted: Note[] = [];
  private stale = true;
  private readonly notes: Y.Map<Y.Map<unknown>>;

  constructor(doc: Y.Doc) {
    this.notes = notesMap(doc);
    this.notes.observeDeep((events) => {
      for (const e of events) {
        if (e.target === this.notes) for (const id of e.changes.keys.keys()) this.dirty.add(id);
        else if (typeof e.path[0] === 'string') this.dirty.add(e.path[0]);
      }
    });
  }

  /** Every note, oldest first (ties broken by id), as `listNotes` returns them. */
  read(): Note[] {
    if (this.stale) {
      this.stale = false;
      this.dirty.clear();
      this.cache.clear();
      this.notes.forEach((m, id) => this.cache.set(id, readNote(id, m)));
      this.sorted = [...this.cache.values()].sort(byAge);
      return this.sorted;
    }
    if (this.dirty.size === 0) return this.sorted;
    let reorder = false;
    const changed = new Map<string, Note>();
    for (const id of this.dirty) {
      const m = this.notes.get(id);
      const before = this.cache.get(id);
      if (!m) {
        if (before) reorder = true;
        this.cache.delete(id);
        continue;
      }
      const n = readNote(id, m);
      if (!before || before.createdAt !== n.createdAt) reorder = true;
      this.cache.set(id, n);
      changed.set(id, n);
    }
    this.dirty.clear();
    this.sorted = reorder
      ? [...this.cache.values()].sort(byAge)
      : this.sorted.map((n) => changed.get(n.id) ?? n);
    return this.sorted;
  }
}
