/**
 * PostgreSQL storage (`pg`), for many instances sharing one database. Same tables and semantics as
 * the SQLite storage; every batch is one transaction, committed before it is acknowledged.
 */
import pg from 'pg';
import type { OffstageRecord, PrivateEffect } from '@pajataulu/shared';
import { createLogger } from '../log.js';
import {
  JoinCodeTakenError,
  type BoardCatchUp,
  type BoardLock,
  type BoardRecord,
  type CommitBatch,
  type ParticipantRecord,
  type Storage,
  type StoredDoc,
  type StoredPrivate,
} from './storage.js';

const log = createLogger('storage.postgres');

/** Connections one instance keeps to the database. */
export const POSTGRES_POOL_SIZE = 10;
/** A key for the advisory lock that lets one instance at a time run migrations. */
const MIGRATION_LOCK = 7_240_517;

/** Numbered, forward-only schema migrations. */
export const POSTGRES_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE boards (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        template TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        facilitator_key_hash TEXT NOT NULL,
        projector_key_hash TEXT NOT NULL
      );
      CREATE TABLE board_snapshots (
        board_id TEXT PRIMARY KEY REFERENCES boards(id) ON DELETE CASCADE,
        snapshot BYTEA NOT NULL,
        through_update_id BIGINT NOT NULL
      );
      CREATE TABLE board_updates (
        id BIGSERIAL PRIMARY KEY,
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        data BYTEA NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX board_updates_board ON board_updates(board_id, id);
      CREATE TABLE participants (
        id TEXT PRIMARY KEY,
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        display_name TEXT,
        group_id TEXT,
        station_id TEXT,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
      );
      CREATE INDEX participants_board ON participants(board_id);
      CREATE TABLE note_meta (
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        note_id TEXT NOT NULL,
        participant_id TEXT,
        group_id TEXT,
        PRIMARY KEY (board_id, note_id)
      );
      CREATE TABLE offstage_notes (
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        note_id TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (board_id, note_id)
      );
      CREATE TABLE applied_commands (
        board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        actor TEXT NOT NULL,
        command_id TEXT NOT NULL,
        applied_at BIGINT NOT NULL,
        PRIMARY KEY (board_id, actor, command_id)
      );
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
  { version: 2, sql: 'ALTER TABLE boards ADD COLUMN projector_key TEXT;' },
  // One more per committed batch: how an instance notices what other instances committed.
  { version: 3, sql: 'ALTER TABLE boards ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;' },
];

/**
 * How long a batch waits for another instance's batch of the same board before it is refused
 * with `unavailable` (a stuck holder must not stop the board for good).
 */
export const BOARD_LOCK_TIMEOUT_MS = 10_000;
/** How long an instance waits for a database connection before refusing with `unavailable`. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 5_000;

interface BoardRow {
  id: string;
  code: string;
  title: string;
  template: string;
  created_at: string;
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
  created_at: string;
  revoked_at: string | null;
}

const toBoard = (r: BoardRow): BoardRecord => ({
  id: r.id,
  code: r.code,
  title: r.title,
  template: r.template,
  createdAt: Number(r.created_at),
  facilitatorKeyHash: r.facilitator_key_hash,
  projectorKeyHash: r.projector_key_hash,
  projectorKey: r.projector_key,
});
const toParticipant = (r: ParticipantRow): ParticipantRecord => ({
  id: r.id,
  boardId: r.board_id,
  tokenHash: r.token_hash,
  displayName: r.display_name,
  groupId: r.group_id,
  stationId: r.station_id,
  createdAt: Number(r.created_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

/** Connects, runs pending migrations (one instance at a time) and returns the storage. */
export async function openPostgresStorage(
  url: string,
  opts: { schema?: string } = {},
): Promise<PostgresStorage> {
  const pool = new pg.Pool({
    connectionString: url,
    max: POSTGRES_POOL_SIZE,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  pool.on('error', (err) => log.warn('idle connection failed', { err }));
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      // Under the lock: instances starting at once would race to create it.
      if (opts.schema)
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(opts.schema)}`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      const { rows } = await client.query<{ v: number | null }>(
        'SELECT MAX(version) AS v FROM schema_migrations',
      );
      const current = rows[0]?.v ?? 0;
      for (const m of POSTGRES_MIGRATIONS) {
        if (m.version <= current) continue;
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
          m.version,
          Date.now(),
        ]);
        await client.query('COMMIT');
        log.info('migrated', { version: m.version });
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
    await pool.end();
    throw err;
  }
  client.release();
  return new PostgresStorage(pool);
}

export class PostgresStorage implements Storage {
  private closed = false;
  constructor(private readonly pool: pg.Pool) {}

  /**
   * A connection from the pool. While it is checked out the pool does not listen for its errors;
   * a connection that breaks between queries would otherwise throw out of the process.
   */
  private async connect(): Promise<{ c: pg.PoolClient; done: (err?: Error) => void }> {
    const c = await this.pool.connect();
    const onError = (err: Error) => log.warn('connection failed while in use', { err });
    c.on('error', onError);
    return {
      c,
      done: (err) => {
        c.off('error', onError);
        c.release(err);
      },
    };
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const { c, done } = await this.connect();
    let failure: Error | undefined;
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch((e: Error) => (failure = e));
      throw err;
    } finally {
      done(failure);
    }
  }

  async createBoard(b: BoardRecord, initialDoc: Uint8Array): Promise<void> {
    try {
      await this.tx(async (c) => {
        await c.query(
          `INSERT INTO boards (id, code, title, template, created_at, facilitator_key_hash, projector_key_hash, projector_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            b.id,
            b.code,
            b.title,
            b.template,
            b.createdAt,
            b.facilitatorKeyHash,
            b.projectorKeyHash,
            b.projectorKey,
          ],
        );
        await c.query(
          'INSERT INTO board_snapshots (board_id, snapshot, through_update_id) VALUES ($1, $2, 0)',
          [b.id, Buffer.from(initialDoc)],
        );
      });
    } catch (err) {
      if (
        (err as { code?: string; constraint?: string }).code === '23505' &&
        /code/.test((err as { constraint?: string }).constraint ?? '')
      ) {
        throw new JoinCodeTakenError();
      }
      throw err;
    }
  }

  async getBoard(id: string): Promise<BoardRecord | undefined> {
    const { rows } = await this.pool.query<BoardRow>('SELECT * FROM boards WHERE id = $1', [id]);
    return rows[0] && toBoard(rows[0]);
  }

  async getBoardByCode(code: string): Promise<BoardRecord | undefined> {
    const { rows } = await this.pool.query<BoardRow>('SELECT * FROM boards WHERE code = $1', [
      code,
    ]);
    return rows[0] && toBoard(rows[0]);
  }

  async getParticipantByToken(
    boardId: string,
    tokenHash: string,
  ): Promise<ParticipantRecord | undefined> {
    const { rows } = await this.pool.query<ParticipantRow>(
      'SELECT * FROM participants WHERE board_id = $1 AND token_hash = $2',
      [boardId, tokenHash],
    );
    return rows[0] && toParticipant(rows[0]);
  }

  async loadDoc(boardId: string): Promise<StoredDoc> {
    return this.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const b = await c.query<{ seq: string }>('SELECT seq FROM boards WHERE id = $1', [boardId]);
      const s = await c.query<{ snapshot: Buffer; through_update_id: string }>(
        'SELECT snapshot, through_update_id FROM board_snapshots WHERE board_id = $1',
        [boardId],
      );
      const after = Number(s.rows[0]?.through_update_id ?? 0);
      const u = await c.query<{ id: string; data: Buffer }>(
        'SELECT id, data FROM board_updates WHERE board_id = $1 AND id > $2 ORDER BY id',
        [boardId, after],
      );
      return {
        snapshot: s.rows[0] ? new Uint8Array(s.rows[0].snapshot) : null,
        updates: u.rows.map((r) => new Uint8Array(r.data)),
        lastUpdateId: u.rows.length ? Number(u.rows.at(-1)!.id) : after,
        seq: Number(b.rows[0]?.seq ?? 0),
      };
    });
  }

  async commit(b: CommitBatch): Promise<number | undefined> {
    return this.tx(async (c) => {
      await c.query('SELECT seq FROM boards WHERE id = $1 FOR UPDATE', [b.boardId]);
      const out = await this.writeBatch(c, b);
      return out.updateId;
    });
  }

  async lockBoard(boardId: string): Promise<BoardLock> {
    const { c, done } = await this.connect();
    let open = true;
    const end = async (sql: 'COMMIT' | 'ROLLBACK') => {
      if (!open) return;
      open = false;
      try {
        await c.query(sql);
        done();
      } catch (err) {
        // A connection that failed mid-transaction is not reused.
        done(err as Error);
        throw err;
      }
    };
    let seq: number | undefined;
    try {
      await c.query('BEGIN');
      await c.query(`SET LOCAL lock_timeout = ${BOARD_LOCK_TIMEOUT_MS}`);
      const r = await c.query<{ seq: string }>('SELECT seq FROM boards WHERE id = $1 FOR UPDATE', [
        boardId,
      ]);
      seq = r.rows[0] ? Number(r.rows[0].seq) : undefined;
    } catch (err) {
      open = false;
      done(err as Error);
      throw err;
    }
    const fail = async (err: unknown): Promise<never> => {
      await end('ROLLBACK').catch(() => undefined);
      throw err;
    };
    return {
      seq,
      catchUp: (since) => this.readSince(c, boardId, since).catch(fail),
      appliedCommands: async (keys) => {
        const found = new Set<string>();
        if (keys.length === 0) return found;
        const r = await c
          .query<{ actor: string; command_id: string }>(
            `SELECT actor, command_id FROM applied_commands
             WHERE board_id = $1 AND (actor, command_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
            [boardId, keys.map((k) => k.actor), keys.map((k) => k.commandId)],
          )
          .catch(fail);
        for (const row of r.rows) found.add(`${row.actor}\u0000${row.command_id}`);
        return found;
      },
      commit: async (b) => {
        const out = await this.writeBatch(c, b).catch(fail);
        await end('COMMIT');
        return out;
      },
      release: () => end('ROLLBACK'),
    };
  }

  private async readSince(c: pg.PoolClient, boardId: string, since: number): Promise<BoardCatchUp> {
    const s = await c.query<{ snapshot: Buffer; through_update_id: string }>(
      'SELECT snapshot, through_update_id FROM board_snapshots WHERE board_id = $1',
      [boardId],
    );
    const through = Number(s.rows[0]?.through_update_id ?? 0);
    const snapshot =
      s.rows[0] && through > since
        ? { data: new Uint8Array(s.rows[0].snapshot), throughUpdateId: through }
        : null;
    const u = await c.query<{ id: string; data: Buffer }>(
      'SELECT id, data FROM board_updates WHERE board_id = $1 AND id > $2 ORDER BY id',
      [boardId, Math.max(since, through)],
    );
    return {
      snapshot,
      updates: u.rows.map((r) => ({ id: Number(r.id), data: new Uint8Array(r.data) })),
      private: await this.readPrivate(c, boardId),
    };
  }

  async boardSeqs(boardIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (boardIds.length === 0) return out;
    const { rows } = await this.pool.query<{ id: string; seq: string }>(
      'SELECT id, seq FROM boards WHERE id = ANY($1::text[])',
      [boardIds],
    );
    for (const r of rows) out.set(r.id, Number(r.seq));
    return out;
  }

  /** Writes a batch inside a transaction that holds the board's row lock, and advances its sequence. */
  private async writeBatch(
    c: pg.PoolClient,
    b: CommitBatch,
  ): Promise<{ updateId: number | undefined; seq: number }> {
    let updateId: number | undefined;
    if (b.update) {
      const r = await c.query<{ id: string }>(
        'INSERT INTO board_updates (board_id, data, created_at) VALUES ($1, $2, $3) RETURNING id',
        [b.boardId, Buffer.from(b.update), b.at],
      );
      updateId = Number(r.rows[0]!.id);
    }
    for (const p of b.joined) {
      await c.query(
        `INSERT INTO participants (id, board_id, token_hash, display_name, group_id, station_id, created_at, revoked_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          p.id,
          p.boardId,
          p.tokenHash,
          p.displayName,
          p.groupId,
          p.stationId,
          p.createdAt,
          p.revokedAt,
        ],
      );
    }
    for (const cmd of b.commands) {
      await c.query(
        `INSERT INTO applied_commands (board_id, actor, command_id, applied_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
        [b.boardId, cmd.actor, cmd.commandId, b.at],
      );
    }
    for (const e of b.effects) await this.applyEffect(c, b.boardId, e, b.at);
    if (b.facilitatorKeyHash !== undefined) {
      await c.query('UPDATE boards SET facilitator_key_hash = $1 WHERE id = $2', [
        b.facilitatorKeyHash,
        b.boardId,
      ]);
    }
    const r = await c.query<{ seq: string }>(
      'UPDATE boards SET seq = seq + 1 WHERE id = $1 RETURNING seq',
      [b.boardId],
    );
    if (!r.rows[0]) throw new Error('board was erased');
    return { updateId, seq: Number(r.rows[0].seq) };
  }

  private async applyEffect(
    c: pg.PoolClient,
    boardId: string,
    e: PrivateEffect,
    at: number,
  ): Promise<void> {
    switch (e.kind) {
      case 'noteMeta':
        await c.query(
          `INSERT INTO note_meta (board_id, note_id, participant_id, group_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT (board_id, note_id) DO UPDATE SET participant_id = excluded.participant_id, group_id = excluded.group_id`,
          [boardId, e.noteId, e.participantId, e.group],
        );
        break;
      case 'noteForget':
        await c.query('DELETE FROM note_meta WHERE board_id = $1 AND note_id = $2', [
          boardId,
          e.noteId,
        ]);
        break;
      case 'offstagePut':
        await c.query(
          `INSERT INTO offstage_notes (board_id, note_id, data) VALUES ($1, $2, $3)
           ON CONFLICT (board_id, note_id) DO UPDATE SET data = excluded.data`,
          [boardId, e.note.id, JSON.stringify(e.note)],
        );
        break;
      case 'offstageDelete':
        await c.query('DELETE FROM offstage_notes WHERE board_id = $1 AND note_id = $2', [
          boardId,
          e.noteId,
        ]);
        break;
      case 'revoke':
        await c.query('UPDATE participants SET revoked_at = $1 WHERE board_id = $2 AND id = $3', [
          at,
          boardId,
          e.participantId,
        ]);
        break;
      case 'title':
        await c.query('UPDATE boards SET title = $1 WHERE id = $2', [e.title, boardId]);
        break;
      case 'vote':
        await c.query(
          `INSERT INTO votes (board_id, round_id, participant_id, note_id, dots) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (board_id, round_id, participant_id, note_id) DO UPDATE SET dots = votes.dots + excluded.dots`,
          [boardId, e.roundId, e.participantId, e.noteId, e.delta],
        );
        if (e.delta < 0)
          await c.query('DELETE FROM votes WHERE board_id = $1 AND dots <= 0', [boardId]);
        break;
      case 'reaction':
        if (e.on) {
          await c.query(
            'INSERT INTO reactions (board_id, note_id, reaction, actor) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
            [boardId, e.noteId, e.reaction, e.actor],
          );
        } else {
          await c.query(
            'DELETE FROM reactions WHERE board_id = $1 AND note_id = $2 AND reaction = $3 AND actor = $4',
            [boardId, e.noteId, e.reaction, e.actor],
          );
        }
        break;
      case 'station':
        await c.query('UPDATE participants SET station_id = $1 WHERE board_id = $2 AND id = $3', [
          e.promptId,
          boardId,
          e.participantId,
        ]);
        break;
      case 'rotateKey':
        // The new hash travels in the batch itself.
        break;
    }
  }

  async compact(boardId: string, snapshot: Uint8Array, throughUpdateId: number): Promise<void> {
    await this.tx(async (c) => {
      // Instances compact one at a time, and a snapshot never replaces one that folds more.
      const b = await c.query('SELECT 1 FROM boards WHERE id = $1 FOR UPDATE', [boardId]);
      if (b.rowCount === 0) return;
      await c.query(
        `INSERT INTO board_snapshots (board_id, snapshot, through_update_id) VALUES ($1, $2, $3)
         ON CONFLICT (board_id) DO UPDATE SET snapshot = excluded.snapshot, through_update_id = excluded.through_update_id
         WHERE board_snapshots.through_update_id <= excluded.through_update_id`,
        [boardId, Buffer.from(snapshot), throughUpdateId],
      );
      await c.query('DELETE FROM board_updates WHERE board_id = $1 AND id <= $2', [
        boardId,
        throughUpdateId,
      ]);
    });
  }

  async isCommandApplied(boardId: string, actor: string, commandId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'SELECT 1 FROM applied_commands WHERE board_id = $1 AND actor = $2 AND command_id = $3',
      [boardId, actor, commandId],
    );
    return (rowCount ?? 0) > 0;
  }

  async loadPrivate(boardId: string): Promise<StoredPrivate> {
    return this.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      return this.readPrivate(c, boardId);
    });
  }

  private async readPrivate(c: pg.PoolClient, boardId: string): Promise<StoredPrivate> {
    const participants = (
      await c.query<ParticipantRow>('SELECT * FROM participants WHERE board_id = $1', [boardId])
    ).rows.map(toParticipant);
    const notes = (
      await c.query<{ note_id: string; participant_id: string | null; group_id: string | null }>(
        'SELECT note_id, participant_id, group_id FROM note_meta WHERE board_id = $1',
        [boardId],
      )
    ).rows.map((r) => ({
      noteId: r.note_id,
      participantId: r.participant_id,
      groupId: r.group_id,
    }));
    const offstage = (
      await c.query<{ data: string }>('SELECT data FROM offstage_notes WHERE board_id = $1', [
        boardId,
      ])
    ).rows.map((r) => JSON.parse(r.data) as OffstageRecord);
    const votes = (
      await c.query<{ round_id: string; participant_id: string; note_id: string; dots: number }>(
        'SELECT round_id, participant_id, note_id, dots FROM votes WHERE board_id = $1',
        [boardId],
      )
    ).rows.map((r) => ({
      roundId: r.round_id,
      participantId: r.participant_id,
      noteId: r.note_id,
      dots: r.dots,
    }));
    const reactions = (
      await c.query<{ note_id: string; reaction: string; actor: string }>(
        'SELECT note_id, reaction, actor FROM reactions WHERE board_id = $1',
        [boardId],
      )
    ).rows.map((r) => ({ noteId: r.note_id, reaction: r.reaction, actor: r.actor }));
    return { participants, notes, offstage, votes, reactions };
  }

  async deleteBoard(boardId: string): Promise<void> {
    await this.pool.query('DELETE FROM boards WHERE id = $1', [boardId]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
