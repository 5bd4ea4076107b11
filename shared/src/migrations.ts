/**
 * Forward-only migrations of the board document. Each step lifts a document from `version - 1`
 * to `version`; the server runs them when it loads a board, before the first client syncs, inside
 * one transaction.
 */
import type * as Y from 'yjs';
import {
  BOARD_SCHEMA_VERSION,
  coarseTime,
  DEFAULT_GROUP_LABELS,
  DEFAULT_GROUP_THRESHOLD,
  FOLLOW_OFF,
  IDLE_TIMER,
  metaMap,
  notesMap,
  promptsMap,
} from './board.js';

export interface DocMigration {
  /** The schema version this step produces. */
  version: number;
  /** What the step changes, for logs. */
  description: string;
  up: (doc: Y.Doc) => void;
}

/**
 * The steps, in order. Version 1 is the first layout. A new layout appends a step here and bumps
 * {@link BOARD_SCHEMA_VERSION}.
 */
export const DOC_MIGRATIONS: readonly DocMigration[] = [
  {
    version: 2,
    description: 'board modes, locks, private writing and role groups',
    up(doc) {
      const meta = metaMap(doc);
      const set = (m: Y.Map<unknown>, key: string, value: unknown) => {
        if (!m.has(key)) m.set(key, value);
      };
      set(meta, 'mode', 'anonymous');
      set(meta, 'locked', false);
      set(meta, 'privateWriting', false);
      set(meta, 'waiting', 0);
      set(
        meta,
        'groups',
        DEFAULT_GROUP_LABELS.map((label, i) => ({ id: `g${i + 1}`, label })),
      );
      set(meta, 'groupThreshold', DEFAULT_GROUP_THRESHOLD);
      set(meta, 'groupCounts', {});
      promptsMap(doc).forEach((p) => {
        set(p, 'locked', false);
        set(p, 'privateWriting', false);
        set(p, 'waiting', 0);
      });
      notesMap(doc).forEach((n) => {
        set(n, 'group', null);
        set(n, 'author', null);
      });
    },
  },
  {
    version: 3,
    description: 'templates, annual clock, timer, follow-me, voting, reactions and clusters',
    up(doc) {
      const meta = metaMap(doc);
      const set = (m: Y.Map<unknown>, key: string, value: unknown) => {
        if (!m.has(key)) m.set(key, value);
      };
      set(meta, 'wheel', null);
      set(meta, 'timer', IDLE_TIMER);
      set(meta, 'follow', FOLLOW_OFF);
      set(meta, 'stationAssignment', null);
      promptsMap(doc).forEach((p) => {
        set(p, 'description', '');
        set(p, 'station', null);
      });
      notesMap(doc).forEach((n) => {
        set(n, 'month', null);
        set(n, 'reactions', {});
        set(n, 'votes', {});
        set(n, 'cluster', null);
      });
    },
  },
  {
    version: 4,
    description: 'note and board times coarsened to NOTE_TIME_RESOLUTION_MS',
    up(doc) {
      // Boards written before carry seconds; every participant's replica would keep them. The
      // registry compacts a migrated document, so the finer values leave storage as well.
      const coarsen = (m: Y.Map<unknown>) => {
        const t = m.get('createdAt');
        if (typeof t === 'number' && coarseTime(t) !== t) m.set('createdAt', coarseTime(t));
      };
      coarsen(metaMap(doc));
      notesMap(doc).forEach(coarsen);
    },
  },
];

/** Thrown when a stored document was written by a newer server than this one. */
export class DocTooNewError extends Error {
  constructor(readonly version: number) {
    super(
      `board document has schema version ${version}; this server knows up to ${BOARD_SCHEMA_VERSION}`,
    );
    this.name = 'DocTooNewError';
  }
}

/** Checks that the migration list is contiguous and ends at the current schema version. */
export function checkMigrations(
  migrations: readonly DocMigration[] = DOC_MIGRATIONS,
  target = BOARD_SCHEMA_VERSION,
): void {
  let expected = 2;
  for (const m of migrations) {
    if (m.version !== expected)
      throw new Error(`migration ${m.version} out of order; expected ${expected}`);
    expected++;
  }
  if (expected - 1 !== Math.max(1, target) && migrations.length > 0)
    throw new Error(`migrations end at ${expected - 1}, schema version is ${target}`);
}

/**
 * Brings `doc` up to the current schema version. Returns the version it had and the version it
 * has now. A document without a version (never initialised) is left alone and reported as 0.
 */
export function migrateDoc(
  doc: Y.Doc,
  migrations: readonly DocMigration[] = DOC_MIGRATIONS,
  target = BOARD_SCHEMA_VERSION,
): { from: number; to: number } {
  const meta = metaMap(doc);
  const raw = meta.get('schemaVersion');
  const from = typeof raw === 'number' ? raw : 0;
  if (from === 0) return { from, to: from };
  if (from > target) throw new DocTooNewError(from);
  if (from === target) return { from, to: from };
  doc.transact(() => {
    for (const m of migrations) {
      if (m.version <= from || m.version > target) continue;
      m.up(doc);
      meta.set('schemaVersion', m.version);
    }
  });
  return { from, to: target };
}
