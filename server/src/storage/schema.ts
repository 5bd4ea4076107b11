/**
 * The schema, as one list of numbered, forward-only migrations for every engine. Each step runs
 * once, in its own transaction, and is recorded in `schema_version`.
 *
 * Databases made before the list was shared recorded their steps in `schema_migrations` under
 * numbers of their own: SQLite's were the first four steps here, PostgreSQL's a condensed history
 * (its 1 held steps 1–3, its 2 was step 4 and its 3 step 5). {@link LEGACY_VERSIONS} translates
 * them once, when such a database is first opened. The old table is left as it was, so an instance
 * of the release before can still start on the database during a rolling upgrade (every step since
 * only adds what it does not read).
 */
import { createLogger } from '../log.js';
import { sql, type ColumnTypes, type Dialect } from './dialect.js';

const log = createLogger('storage.schema');

export interface Migration {
  version: number;
  sql: (t: ColumnTypes) => string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: (t) => `
      CREATE TABLE boards (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        template TEXT NOT NULL,
        created_at ${t.int64} NOT NULL,
        facilitator_key_hash TEXT NOT NULL,
        projector_key_hash TEXT NOT NULL
      );
      CREATE TABLE board_snapshots (
        board_id TEXT PRIMARY KEY REFERENCES boards(id) ON DELETE CASCADE,
        snapshot ${t.blob} NOT NULL,
        through_update_id ${t.int64} NOT NULL
      );
      CREATE TABLE board_updates (
        id ${t.serialKey},
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        data ${t.blob} NOT NULL,
        created_at ${t.int64} NOT NULL
      );
      CREATE INDEX board_updates_board ON board_updates(board_id, id);
      CREATE TABLE participants (
        id TEXT PRIMARY KEY,
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        display_name TEXT,
        created_at ${t.int64} NOT NULL,
        revoked_at ${t.int64}
      );
      CREATE INDEX participants_board ON participants(board_id);
      CREATE TABLE note_authors (
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        note_id TEXT NOT NULL,
        participant_id TEXT NOT NULL,
        PRIMARY KEY (board_id, note_id)
      );
      CREATE TABLE applied_commands (
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        actor TEXT NOT NULL,
        command_id TEXT NOT NULL,
        applied_at ${t.int64} NOT NULL,
        PRIMARY KEY (board_id, actor, command_id)
      );
    `,
  },
  {
    version: 2,
    sql: () => `
      ALTER TABLE participants ADD COLUMN group_id TEXT;
      CREATE TABLE note_meta (
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        note_id TEXT NOT NULL,
        participant_id TEXT,
        group_id TEXT,
        PRIMARY KEY (board_id, note_id)
      );
      INSERT INTO note_meta (board_id, note_id, participant_id) SELECT board_id, note_id, participant_id FROM note_authors;
      DROP TABLE note_authors;
      CREATE TABLE offstage_notes (
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        note_id TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (board_id, note_id)
      );
    `,
  },
  {
    version: 3,
    sql: () => `
      ALTER TABLE participants ADD COLUMN station_id TEXT;
      CREATE TABLE votes (
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        round_id TEXT NOT NULL,
        participant_id TEXT NOT NULL,
        note_id TEXT NOT NULL,
        dots INTEGER NOT NULL,
        PRIMARY KEY (board_id, round_id, participant_id, note_id)
      );
      CREATE TABLE reactions (
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        note_id TEXT NOT NULL,
        reaction TEXT NOT NULL,
        actor TEXT NOT NULL,
        PRIMARY KEY (board_id, note_id, reaction, actor)
      );
    `,
  },
  { version: 4, sql: () => 'ALTER TABLE boards ADD COLUMN projector_key TEXT;' },
  // One more per committed batch: how a process notices what others committed.
  { version: 5, sql: (t) => `ALTER TABLE boards ADD COLUMN seq ${t.int64} NOT NULL DEFAULT 0;` },
  {
    // What each batch changed in server-private state, so a process catching up reads only that.
    version: 6,
    sql: (t) => `
      CREATE TABLE board_effects (
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        seq ${t.int64} NOT NULL,
        data TEXT NOT NULL,
        created_at ${t.int64} NOT NULL,
        PRIMARY KEY (board_id, seq)
      );
    `,
  },
];

/** Per engine: a version in the old `schema_migrations` table → the step here it equals. */
export const LEGACY_VERSIONS: Readonly<
  Record<'sqlite' | 'postgres', Readonly<Record<number, number>>>
> = {
  sqlite: { 1: 1, 2: 2, 3: 3, 4: 4 },
  postgres: { 1: 3, 2: 4, 3: 5 },
};

/** Thrown when the database records a schema this code does not know. */
export class UnknownSchemaError extends Error {
  constructor(detail: string) {
    super(`unknown database schema: ${detail}`);
    this.name = 'UnknownSchemaError';
  }
}

/** Brings the database up to the newest step; returns the version it is at. */
export async function migrate(db: Dialect, engine: 'sqlite' | 'postgres'): Promise<number> {
  return db.migrating(async () => {
    if (!(await db.tableExists('schema_version'))) await adopt(db, engine);
    const [rows] = await db.read([sql('SELECT MAX(version) AS v FROM schema_version')]);
    const current = Number(rows?.[0]?.['v'] ?? 0);
    const newest = MIGRATIONS.at(-1)?.version ?? 0;
    if (current > newest)
      throw new UnknownSchemaError(`version ${current} is newer than ${newest}`);
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await db.script(m.sql(db.types), [
        sql('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)', [
          m.version,
          Date.now(),
        ]),
      ]);
      log.info('migrated', { version: m.version });
    }
    return newest;
  });
}

/** Creates `schema_version`, carrying over what an old `schema_migrations` table records. */
async function adopt(db: Dialect, engine: 'sqlite' | 'postgres'): Promise<void> {
  let through = 0;
  if (await db.tableExists('schema_migrations')) {
    const [rows] = await db.read([sql('SELECT MAX(version) AS v FROM schema_migrations')]);
    const old = Number(rows?.[0]?.['v'] ?? 0);
    const mapped = old === 0 ? 0 : LEGACY_VERSIONS[engine][old];
    if (mapped === undefined) throw new UnknownSchemaError(`${engine} schema_migrations ${old}`);
    through = mapped;
    log.info('adopting the old migration record', { engine, old, version: through });
  }
  const carried = MIGRATIONS.filter((m) => m.version <= through).map((m) =>
    sql('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)', [m.version, Date.now()]),
  );
  await db.script(
    `CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at ${db.types.int64} NOT NULL);`,
    carried,
  );
}
