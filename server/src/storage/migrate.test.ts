/**
 * Databases made before the engines shared one migration list open and migrate forward, keeping
 * everything they held. The old layouts are built here as the old code built them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { randomId } from '@pajataulu/shared';
import { setLogLevel } from '../log.js';
import { openPostgresStorage } from './postgres.js';
import { MIGRATIONS, UnknownSchemaError } from './schema.js';
import { openSqliteStorage, SQLITE_COLUMN_TYPES } from './sqlite.js';
import type { Storage } from './storage.js';

setLogLevel('silent');

const DATABASE_URL = process.env['DATABASE_URL'];
const NEWEST = MIGRATIONS.at(-1)!.version;

function docWith(text: string): Buffer {
  const d = new Y.Doc();
  d.getMap('notes').set('n1', text);
  return Buffer.from(Y.encodeStateAsUpdate(d));
}

/** Rows an old database held, for a board `b1`: written with `?` placeholders. */
const OLD_ROWS: { sql: string; params: (string | number | Buffer | null)[] }[] = [
  {
    sql: `INSERT INTO boards (id, code, title, template, created_at, facilitator_key_hash, projector_key_hash, projector_key)
          VALUES ('b1', 'ABC1234', 'Vanha', 'blank', 1, 'f', 'p', 'q')`,
    params: [],
  },
  {
    sql: 'INSERT INTO board_snapshots (board_id, snapshot, through_update_id) VALUES (?, ?, 0)',
    params: ['b1', docWith('alku')],
  },
  {
    sql: 'INSERT INTO board_updates (board_id, data, created_at) VALUES (?, ?, 2)',
    params: ['b1', docWith('myöhemmin')],
  },
  {
    sql: `INSERT INTO participants (id, board_id, token_hash, display_name, group_id, station_id, created_at, revoked_at)
          VALUES ('p1', 'b1', 't', NULL, 'g1', NULL, 3, NULL)`,
    params: [],
  },
  {
    sql: `INSERT INTO note_meta (board_id, note_id, participant_id, group_id) VALUES ('b1', 'n1', 'p1', 'g1')`,
    params: [],
  },
  {
    sql: `INSERT INTO votes (board_id, round_id, participant_id, note_id, dots) VALUES ('b1', 'r1', 'p1', 'n1', 2)`,
    params: [],
  },
  {
    sql: `INSERT INTO applied_commands (board_id, actor, command_id, applied_at) VALUES ('b1', 'participant:p1', 'c1', 4)`,
    params: [],
  },
];

/** What every migrated database must show: the old data, and batches committing as before. */
async function expectMigrated(s: Storage): Promise<void> {
  expect(await s.getBoardByCode('ABC1234')).toMatchObject({ id: 'b1', title: 'Vanha' });
  const { doc, private: priv } = await s.loadBoard('b1');
  expect(doc.updates).toHaveLength(1);
  expect(doc.seq).toBe(0);
  expect(priv.participants.map((p) => p.id)).toEqual(['p1']);
  expect(priv.notes).toEqual([{ noteId: 'n1', participantId: 'p1', groupId: 'g1' }]);
  expect(priv.votes).toEqual([{ roundId: 'r1', participantId: 'p1', noteId: 'n1', dots: 2 }]);
  const lock = await s.lockBoard('b1');
  expect(lock.seq).toBe(0);
  expect(await lock.appliedCommands([{ actor: 'participant:p1', commandId: 'c1' }])).toEqual(
    new Set(['participant:p1\u0000c1']),
  );
  const done = await lock.commit({
    boardId: 'b1',
    update: docWith('uusi'),
    commands: [{ actor: 'participant:p1', commandId: 'c2' }],
    effects: [{ kind: 'vote', roundId: 'r1', participantId: 'p1', noteId: 'n1', delta: -1 }],
    joined: [],
    at: 5,
  });
  expect(done.seq).toBe(1);
  expect((await s.loadPrivate('b1')).votes[0]?.dots).toBe(1);
  expect((await s.loadDoc('b1')).updates).toHaveLength(2);
}

describe('an old SQLite database', () => {
  function oldSqlite(version: number): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pj-old-')), 'db.sqlite');
    const db = new Database(file);
    // The old SQLite list was the first four steps of today's, recorded in schema_migrations.
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
    );
    for (const m of MIGRATIONS.filter((m) => m.version <= version)) {
      db.exec(m.sql(SQLITE_COLUMN_TYPES));
      db.prepare('INSERT INTO schema_migrations VALUES (?, 0)').run(m.version);
    }
    for (const r of OLD_ROWS) db.prepare(r.sql).run(...r.params);
    db.close();
    return file;
  }

  it('at its last old version opens, migrates forward and keeps its boards', async () => {
    const file = oldSqlite(4);
    const s = await openSqliteStorage(file);
    await expectMigrated(s);
    await s.close();
    const db = new Database(file, { readonly: true });
    const versions = db.prepare('SELECT version FROM schema_version ORDER BY version').all();
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    // Left as the previous release wrote it, so that release still starts on the database.
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: 4 });
    db.close();
  });

  it('from a newer release is refused, not damaged', async () => {
    const file = oldSqlite(4);
    (await openSqliteStorage(file)).close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_version VALUES (?, 0)').run(NEWEST + 1);
    db.close();
    await expect(openSqliteStorage(file)).rejects.toBeInstanceOf(UnknownSchemaError);
  });
});

/** The old PostgreSQL layout: its own three steps, the first holding what SQLite took three for. */
const OLD_POSTGRES_STEPS = [
  `CREATE TABLE boards (id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
     template TEXT NOT NULL, created_at BIGINT NOT NULL, facilitator_key_hash TEXT NOT NULL,
     projector_key_hash TEXT NOT NULL);
   CREATE TABLE board_snapshots (board_id TEXT PRIMARY KEY REFERENCES boards(id) ON DELETE CASCADE,
     snapshot BYTEA NOT NULL, through_update_id BIGINT NOT NULL);
   CREATE TABLE board_updates (id BIGSERIAL PRIMARY KEY,
     board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE, data BYTEA NOT NULL,
     created_at BIGINT NOT NULL);
   CREATE INDEX board_updates_board ON board_updates(board_id, id);
   CREATE TABLE participants (id TEXT PRIMARY KEY,
     board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE, token_hash TEXT NOT NULL UNIQUE,
     display_name TEXT, group_id TEXT, station_id TEXT, created_at BIGINT NOT NULL, revoked_at BIGINT);
   CREATE INDEX participants_board ON participants(board_id);
   CREATE TABLE note_meta (board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
     note_id TEXT NOT NULL, participant_id TEXT, group_id TEXT, PRIMARY KEY (board_id, note_id));
   CREATE TABLE offstage_notes (board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
     note_id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (board_id, note_id));
   CREATE TABLE applied_commands (board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
     actor TEXT NOT NULL, command_id TEXT NOT NULL, applied_at BIGINT NOT NULL,
     PRIMARY KEY (board_id, actor, command_id));
   CREATE TABLE votes (board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
     round_id TEXT NOT NULL, participant_id TEXT NOT NULL, note_id TEXT NOT NULL,
     dots INTEGER NOT NULL, PRIMARY KEY (board_id, round_id, participant_id, note_id));
   CREATE TABLE reactions (board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
     note_id TEXT NOT NULL, reaction TEXT NOT NULL, actor TEXT NOT NULL,
     PRIMARY KEY (board_id, note_id, reaction, actor));`,
  'ALTER TABLE boards ADD COLUMN projector_key TEXT;',
  'ALTER TABLE boards ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;',
];

describe.skipIf(!DATABASE_URL)('an old PostgreSQL database', () => {
  const schemas: string[] = [];
  afterAll(async () => {
    const c = new pg.Client({ connectionString: DATABASE_URL });
    await c.connect();
    for (const s of schemas)
      await c.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(s)} CASCADE`);
    await c.end();
  });

  async function oldPostgres(version: number): Promise<string> {
    const schema = `pj_old_${randomId(10)}`;
    schemas.push(schema);
    const c = new pg.Client({
      connectionString: DATABASE_URL,
      options: `-c search_path=${schema}`,
    });
    await c.connect();
    try {
      await c.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
      await c.query(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      for (const [i, step] of OLD_POSTGRES_STEPS.slice(0, version).entries()) {
        await c.query(step);
        await c.query('INSERT INTO schema_migrations VALUES ($1, 0)', [i + 1]);
      }
      for (const r of OLD_ROWS) {
        let n = 0;
        await c.query(
          r.sql.replace(/\?/g, () => `$${++n}`),
          r.params,
        );
      }
    } finally {
      await c.end();
    }
    return schema;
  }

  it.each([2, 3])('at old version %i opens, migrates forward and keeps its boards', async (v) => {
    const schema = await oldPostgres(v);
    const s = await openPostgresStorage(DATABASE_URL!, { schema });
    await expectMigrated(s);
    await s.close();
    const c = new pg.Client({
      connectionString: DATABASE_URL,
      options: `-c search_path=${schema}`,
    });
    await c.connect();
    const { rows } = await c.query<{ version: number }>(
      'SELECT version FROM schema_version ORDER BY version',
    );
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    const old = await c.query<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations');
    expect(old.rows).toEqual([{ v }]);
    await c.end();
  });
});
