import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { BOARD_SCHEMA_VERSION } from './board.js';
import {
  checkMigrations,
  DOC_MIGRATIONS,
  DocTooNewError,
  migrateDoc,
  type DocMigration,
} from './migrations.js';

function docAt(version: number): Y.Doc {
  const doc = new Y.Doc();
  doc.getMap('meta').set('schemaVersion', version);
  return doc;
}

describe('document migrations', () => {
  it('the shipped list is contiguous and ends at the current version', () => {
    expect(() => checkMigrations(DOC_MIGRATIONS, BOARD_SCHEMA_VERSION)).not.toThrow();
  });

  it('runs each later step once, in order, and records the version', () => {
    const ran: number[] = [];
    const steps: DocMigration[] = [
      { version: 2, description: 'two', up: () => ran.push(2) },
      { version: 3, description: 'three', up: (d) => (ran.push(3), d.getMap('meta').set('x', 1)) },
    ];
    checkMigrations(steps, 3);
    const doc = docAt(2);
    expect(migrateDoc(doc, steps, 3)).toEqual({ from: 2, to: 3 });
    expect(ran).toEqual([3]);
    expect(doc.getMap('meta').get('schemaVersion')).toBe(3);
    expect(migrateDoc(doc, steps, 3)).toEqual({ from: 3, to: 3 });
    expect(ran).toEqual([3]);
  });

  it('version 4 coarsens the times of notes and the board that older servers wrote', () => {
    const doc = docAt(3);
    doc.getMap('meta').set('createdAt', 1_700_000_012_345);
    const note = new Y.Map<unknown>([
      ['text', 'vanha'],
      ['createdAt', 1_700_000_059_000],
    ]);
    doc.getMap<Y.Map<unknown>>('notes').set('n1', note);
    const prompt = new Y.Map<unknown>([['createdAt', 1_700_000_001_000]]);
    doc.getMap<Y.Map<unknown>>('prompts').set('p1', prompt);
    expect(migrateDoc(doc)).toEqual({ from: 3, to: BOARD_SCHEMA_VERSION });
    expect(doc.getMap('meta').get('createdAt')).toBe(1_699_999_980_000);
    expect(note.get('createdAt')).toBe(1_700_000_040_000);
    // A facilitator's prompt keeps its seconds: its stacking order follows them.
    expect(prompt.get('createdAt')).toBe(1_700_000_001_000);
  });

  it('refuses a document written by a newer server', () => {
    expect(() => migrateDoc(docAt(BOARD_SCHEMA_VERSION + 1))).toThrow(DocTooNewError);
  });

  it('rejects a list with a gap', () => {
    const gap: DocMigration[] = [{ version: 3, description: 'x', up: () => undefined }];
    expect(() => checkMigrations(gap, 3)).toThrow(/out of order/);
  });
});
