/**
 * SQLite storage (better-sqlite3), the embedded default. WAL journal with `synchronous = FULL`:
 * a commit has reached the disk when `commit` resolves, so an acknowledged command survives a
 * killed process and a power cut alike.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createLogger } from '../log.js';
import type { OffstageRecord, PrivateEffect } from '@pajataulu/shared';
import {
  JoinCodeTakenError,
  type BoardRecord,
  type CommitBatch,
  type ParticipantRecord,
  type Storage,
  type StoredDoc,
  type StoredPrivate,
} from './storage.js';

const log = createLogger('storage.sqlite');

/** Numbered, forward-only schema migrations; each runs once, in its own transaction. */
export const SQLITE_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE boards (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        template TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        facilitator_key_hash TEXT NOT NULL,
        projector_key_hash TEXT NOT NULL
      );
      CREATE TABLE board_snapshots (
        board_id TEXT PRIMARY KEY REFERENCES boards(id) ON DELETE CASCADE,
        snapshot BLOB NOT NULL,
        through_update_id INTEGER NOT NULL
      );
      CREATE TABLE board_updates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        data BLOB NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX board_updates_board ON board_updates(board_id, id);
      CREATE TABLE participants (
        id TEXT PRIMARY KEY,
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        display_name TEXT,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
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
        applied_at INTEGER NOT NULL,
        PRIMARY KEY (board_id, actor, command_id)
      );
    `,
  },
  {
    version: 2,
    sql: `
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
    sql: `
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
  { version: 4, sql: 'ALTER TABLE boards ADD COLUMN projector_key TEXT;' },
];

interface BoardRow {
  id: string;
  code: string;
  title: string;
  template: string;
  created_at: number;
  facilitator_key_hash: string;
  projector_key_hash: string;
  projector_key: string | null;
}
interface ParticipantRow {
  id: string;
  board_id: string;
  token_hash: string;
  display_name: string | null;
  group_id: string | null;
  station_id: string | null;
  created_at: number;
  revoked_at: number | null;
}

function toBoard(r: BoardRow): BoardRecord {
  return {
    id: r.id,
    code: r.code,
    title: r.title,
    template: r.template,
    createdAt: r.created_at,
    facilitatorKeyHash: r.facilitator_key_hash,
    projectorKeyHash: r.projector_key_hash,
    projectorKey: r.projector_key,
  };
}
function toParticipant(r: ParticipantRow): ParticipantRecord {
  return {
    id: r.id,
    boardId: r.board_id,
    tokenHash: r.token_hash,
    displayName: r.display_name,
    groupId: r.group_id,
    stationId: r.station_id,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  };
}

/** Runs pending migrations on `db`. Exported for tests. */
export function migrateSqlite(db: Database.Database): number {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
    v: number | null;
  };
  const current = row.v ?? 0;
  for (const m of SQLITE_MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        m.version,
        Date.now(),
      );
    })();
    log.info('migrated', { version: m.version });
  }
  return SQLITE_MIGRATIONS.at(-1)?.version ?? 0;
}

/** Opens (creating if needed) the SQLite database at `file`. */
export function openSqliteStorage(file: string): SqliteStorage {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Erased boards leave no text behind in free pages.
  db.pragma('secure_delete = ON');
  migrateSqlite(db);
  return new SqliteStorage(db);
}

export class SqliteStorage implements Storage {
  private readonly stmts;
  private readonly commitTx;
  private readonly compactTx;
  private closed = false;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      insertBoard: db.prepare(
        `INSERT INTO boards (id, code, title, template, created_at, facilitator_key_hash, projector_key_hash, projector_key)
         VALUES (@id, @code, @title, @template, @createdAt, @facilitatorKeyHash, @projectorKeyHash, @projectorKey)`,
      ),
      insertSnapshot: db.prepare(
        'INSERT INTO board_snapshots (board_id, snapshot, through_update_id) VALUES (?, ?, ?)',
      ),
      upsertSnapshot: db.prepare(
        `INSERT INTO board_snapshots (board_id, snapshot, through_update_id) VALUES (?, ?, ?)
         ON CONFLICT (board_id) DO UPDATE SET snapshot = excluded.snapshot, through_update_id = excluded.through_update_id`,
      ),
      boardById: db.prepare('SELECT * FROM boards WHERE id = ?'),
      deleteBoard: db.prepare('DELETE FROM boards WHERE id = ?'),
      boardByCode: db.prepare('SELECT * FROM boards WHERE code = ?'),
      setTitle: db.prepare('UPDATE boards SET title = ? WHERE id = ?'),
      insertParticipant: db.prepare(
        `INSERT INTO participants (id, board_id, token_hash, display_name, group_id, station_id, created_at, revoked_at)
         VALUES (@id, @boardId, @tokenHash, @displayName, @groupId, @stationId, @createdAt, @revokedAt)`,
      ),
      participantsOf: db.prepare('SELECT * FROM participants WHERE board_id = ?'),
      revoke: db.prepare('UPDATE participants SET revoked_at = ? WHERE board_id = ? AND id = ?'),
      setFacilitatorKey: db.prepare('UPDATE boards SET facilitator_key_hash = ? WHERE id = ?'),
      putOffstage: db.prepare(
        `INSERT INTO offstage_notes (board_id, note_id, data) VALUES (?, ?, ?)
         ON CONFLICT (board_id, note_id) DO UPDATE SET data = excluded.data`,
      ),
      deleteOffstage: db.prepare('DELETE FROM offstage_notes WHERE board_id = ? AND note_id = ?'),
      offstageOf: db.prepare('SELECT data FROM offstage_notes WHERE board_id = ?'),
      addVote: db.prepare(
        `INSERT INTO votes (board_id, round_id, participant_id, note_id, dots) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (board_id, round_id, participant_id, note_id) DO UPDATE SET dots = dots + excluded.dots`,
      ),
      dropEmptyVotes: db.prepare('DELETE FROM votes WHERE board_id = ? AND dots <= 0'),
      votesOf: db.prepare(
        'SELECT round_id, participant_id, note_id, dots FROM votes WHERE board_id = ?',
      ),
      addReaction: db.prepare(
        'INSERT OR IGNORE INTO reactions (board_id, note_id, reaction, actor) VALUES (?, ?, ?, ?)',
      ),
      removeReaction: db.prepare(
        'DELETE FROM reactions WHERE board_id = ? AND note_id = ? AND reaction = ? AND actor = ?',
      ),
      reactionsOf: db.prepare('SELECT note_id, reaction, actor FROM reactions WHERE board_id = ?'),
      setStation: db.prepare(
        'UPDATE participants SET station_id = ? WHERE board_id = ? AND id = ?',
      ),
      participantByToken: db.prepare(
        'SELECT * FROM participants WHERE board_id = ? AND token_hash = ?',
      ),
      snapshot: db.prepare(
        'SELECT snapshot, through_update_id FROM board_snapshots WHERE board_id = ?',
      ),
      updatesAfter: db.prepare(
        'SELECT id, data FROM board_updates WHERE board_id = ? AND id > ? ORDER BY id',
      ),
      insertUpdate: db.prepare(
        'INSERT INTO board_updates (board_id, data, created_at) VALUES (?, ?, ?)',
      ),
      deleteUpdatesThrough: db.prepare('DELETE FROM board_updates WHERE board_id = ? AND id <= ?'),
      insertCommand: db.prepare(
        'INSERT OR IGNORE INTO applied_commands (board_id, actor, command_id, applied_at) VALUES (?, ?, ?, ?)',
      ),
      commandExists: db.prepare(
        'SELECT 1 FROM applied_commands WHERE board_id = ? AND actor = ? AND command_id = ?',
      ),
      putNoteMeta: db.prepare(
        'INSERT OR REPLACE INTO note_meta (board_id, note_id, participant_id, group_id) VALUES (?, ?, ?, ?)',
      ),
      deleteNoteMeta: db.prepare('DELETE FROM note_meta WHERE board_id = ? AND note_id = ?'),
      noteMetaOf: db.prepare(
        'SELECT note_id, participant_id, group_id FROM note_meta WHERE board_id = ?',
      ),
    };
    this.commitTx = db.transaction((b: CommitBatch): number | undefined => {
      let updateId: number | undefined;
      if (b.update) {
        updateId = Number(this.stmts.insertUpdate.run(b.boardId, b.update, b.at).lastInsertRowid);
      }
      for (const p of b.joined) this.stmts.insertParticipant.run(p);
      for (const c of b.commands)
        this.stmts.insertCommand.run(b.boardId, c.actor, c.commandId, b.at);
      for (const e of b.effects) this.applyEffect(b.boardId, e, b.at);
      if (b.facilitatorKeyHash !== undefined)
        this.stmts.setFacilitatorKey.run(b.facilitatorKeyHash, b.boardId);
      return updateId;
    });
    this.compactTx = db.transaction((boardId: string, snapshot: Uint8Array, through: number) => {
      this.stmts.upsertSnapshot.run(boardId, snapshot, through);
      this.stmts.deleteUpdatesThrough.run(boardId, through);
    });
  }

  async createBoard(board: BoardRecord, initialDoc: Uint8Array): Promise<void> {
    try {
      this.db.transaction(() => {
        this.stmts.insertBoard.run(board);
        this.stmts.insertSnapshot.run(board.id, initialDoc, 0);
      })();
    } catch (err) {
      if (err instanceof Error && /UNIQUE constraint failed: boards\.code/.test(err.message)) {
        throw new JoinCodeTakenError();
      }
      throw err;
    }
  }

  async getBoard(id: string): Promise<BoardRecord | undefined> {
    const r = this.stmts.boardById.get(id) as BoardRow | undefined;
    return r && toBoard(r);
  }

  async getBoardByCode(code: string): Promise<BoardRecord | undefined> {
    const r = this.stmts.boardByCode.get(code) as BoardRow | undefined;
    return r && toBoard(r);
  }

  private applyEffect(boardId: string, e: PrivateEffect, at: number): void {
    switch (e.kind) {
      case 'noteMeta':
        this.stmts.putNoteMeta.run(boardId, e.noteId, e.participantId, e.group);
        break;
      case 'noteForget':
        this.stmts.deleteNoteMeta.run(boardId, e.noteId);
        break;
      case 'offstagePut':
        this.stmts.putOffstage.run(boardId, e.note.id, JSON.stringify(e.note));
        break;
      case 'offstageDelete':
        this.stmts.deleteOffstage.run(boardId, e.noteId);
        break;
      case 'revoke':
        this.stmts.revoke.run(at, boardId, e.participantId);
        break;
      case 'title':
        this.stmts.setTitle.run(e.title, boardId);
        break;
      case 'vote':
        this.stmts.addVote.run(boardId, e.roundId, e.participantId, e.noteId, e.delta);
        if (e.delta < 0) this.stmts.dropEmptyVotes.run(boardId);
        break;
      case 'reaction':
        if (e.on) this.stmts.addReaction.run(boardId, e.noteId, e.reaction, e.actor);
        else this.stmts.removeReaction.run(boardId, e.noteId, e.reaction, e.actor);
        break;
      case 'station':
        this.stmts.setStation.run(e.promptId, boardId, e.participantId);
        break;
      case 'rotateKey':
        // The new hash travels in the batch itself.
        break;
    }
  }

  async getParticipantByToken(
    boardId: string,
    tokenHash: string,
  ): Promise<ParticipantRecord | undefined> {
    const r = this.stmts.participantByToken.get(boardId, tokenHash) as ParticipantRow | undefined;
    return r && toParticipant(r);
  }

  async loadDoc(boardId: string): Promise<StoredDoc> {
    return this.db.transaction(() => {
      const s = this.stmts.snapshot.get(boardId) as
        { snapshot: Buffer; through_update_id: number } | undefined;
      const after = s?.through_update_id ?? 0;
      const rows = this.stmts.updatesAfter.all(boardId, after) as { id: number; data: Buffer }[];
      return {
        snapshot: s ? new Uint8Array(s.snapshot) : null,
        updates: rows.map((r) => new Uint8Array(r.data)),
        lastUpdateId: rows.at(-1)?.id ?? after,
      };
    })();
  }

  async commit(batch: CommitBatch): Promise<number | undefined> {
    return this.commitTx(batch);
  }

  async compact(boardId: string, snapshot: Uint8Array, throughUpdateId: number): Promise<void> {
    this.compactTx(boardId, snapshot, throughUpdateId);
  }

  async isCommandApplied(boardId: string, actor: string, commandId: string): Promise<boolean> {
    return this.stmts.commandExists.get(boardId, actor, commandId) !== undefined;
  }

  async loadPrivate(boardId: string): Promise<StoredPrivate> {
    return this.db.transaction(() => {
      const participants = (this.stmts.participantsOf.all(boardId) as ParticipantRow[]).map(
        toParticipant,
      );
      const notes = (
        this.stmts.noteMetaOf.all(boardId) as {
          note_id: string;
          participant_id: string | null;
          group_id: string | null;
        }[]
      ).map((r) => ({ noteId: r.note_id, participantId: r.participant_id, groupId: r.group_id }));
      const offstage = (this.stmts.offstageOf.all(boardId) as { data: string }[]).map(
        (r) => JSON.parse(r.data) as OffstageRecord,
      );
      const votes = (
        this.stmts.votesOf.all(boardId) as {
          round_id: string;
          participant_id: string;
          note_id: string;
          dots: number;
        }[]
      ).map((r) => ({
        roundId: r.round_id,
        participantId: r.participant_id,
        noteId: r.note_id,
        dots: r.dots,
      }));
      const reactions = (
        this.stmts.reactionsOf.all(boardId) as {
          note_id: string;
          reaction: string;
          actor: string;
        }[]
      ).map((r) => ({ noteId: r.note_id, reaction: r.reaction, actor: r.actor }));
      return { participants, notes, offstage, votes, reactions };
    })();
  }

  async deleteBoard(boardId: string): Promise<void> {
    // Every other table follows by foreign key; the freed pages are overwritten on the next
    // checkpoint and vacuum.
    this.stmts.deleteBoard.run(boardId);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
