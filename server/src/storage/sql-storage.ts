/**
 * The storage, written once over a {@link Dialect}: the same tables, statements and semantics on
 * SQLite and PostgreSQL. Every batch is written under the board's lock, in one transaction,
 * before it is acknowledged.
 */
import type { OffstageRecord } from '@pajataulu/shared';
import {
  chunks,
  placeholderRows,
  RowGoneError,
  sql,
  type Dialect,
  type DialectLock,
  type Row,
  type Statement,
} from './dialect.js';
import {
  JoinCodeTakenError,
  type BoardCatchUp,
  type BoardLock,
  type BoardRecord,
  type CommitBatch,
  type LoggedChanges,
  type ParticipantRecord,
  type PrivateCatchUp,
  type Storage,
  type StoredDoc,
  type StoredPrivate,
} from './storage.js';
import { batchStatements, pruneEffectLog } from './writes.js';

const int = (v: unknown): number => Number(v);
const intOrNull = (v: unknown): number | null => (v === null ? null : Number(v));
const str = (v: unknown): string => v as string;
const strOrNull = (v: unknown): string | null => v as string | null;
const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Buffer);

function toBoard(r: Row): BoardRecord {
  return {
    id: str(r['id']),
    code: str(r['code']),
    title: str(r['title']),
    template: str(r['template']),
    createdAt: int(r['created_at']),
    facilitatorKeyHash: str(r['facilitator_key_hash']),
    projectorKeyHash: str(r['projector_key_hash']),
    projectorKey: strOrNull(r['projector_key']),
  };
}

function toParticipant(r: Row): ParticipantRecord {
  return {
    id: str(r['id']),
    boardId: str(r['board_id']),
    tokenHash: str(r['token_hash']),
    displayName: strOrNull(r['display_name']),
    groupId: strOrNull(r['group_id']),
    stationId: strOrNull(r['station_id']),
    createdAt: int(r['created_at']),
    revokedAt: intOrNull(r['revoked_at']),
  };
}

const BOARD_COLUMNS =
  'id, code, title, template, created_at, facilitator_key_hash, projector_key_hash, projector_key';
const PARTICIPANT_COLUMNS =
  'id, board_id, token_hash, display_name, group_id, station_id, created_at, revoked_at';

/** The statement a board lock reads its sequence with (and, on PostgreSQL, locks the row by). */
const lockRow = (boardId: string) => sql('SELECT seq FROM boards WHERE id = ?', [boardId]);

/** The board's snapshot, and the log entries after both it and `since`. */
function docStatements(boardId: string, since = 0): Statement[] {
  return [
    sql('SELECT snapshot, through_update_id FROM board_snapshots WHERE board_id = ?', [boardId]),
    sql(
      `SELECT id, data FROM board_updates WHERE board_id = ? AND id > ?
       AND id > COALESCE((SELECT through_update_id FROM board_snapshots WHERE board_id = ?), 0)
       ORDER BY id`,
      [boardId, since, boardId],
    ),
  ];
}

function privateStatements(boardId: string): Statement[] {
  return [
    sql(`SELECT ${PARTICIPANT_COLUMNS} FROM participants WHERE board_id = ?`, [boardId]),
    sql('SELECT note_id, participant_id, group_id FROM note_meta WHERE board_id = ?', [boardId]),
    sql('SELECT data FROM offstage_notes WHERE board_id = ?', [boardId]),
    sql('SELECT round_id, participant_id, note_id, dots FROM votes WHERE board_id = ?', [boardId]),
    sql('SELECT note_id, reaction, actor FROM reactions WHERE board_id = ?', [boardId]),
  ];
}

function toPrivate([participants, notes, offstage, votes, reactions]: Row[][]): StoredPrivate {
  return {
    participants: (participants ?? []).map(toParticipant),
    notes: (notes ?? []).map((r) => ({
      noteId: str(r['note_id']),
      participantId: strOrNull(r['participant_id']),
      groupId: strOrNull(r['group_id']),
    })),
    offstage: (offstage ?? []).map((r) => JSON.parse(str(r['data'])) as OffstageRecord),
    votes: (votes ?? []).map((r) => ({
      roundId: str(r['round_id']),
      participantId: str(r['participant_id']),
      noteId: str(r['note_id']),
      dots: int(r['dots']),
    })),
    reactions: (reactions ?? []).map((r) => ({
      noteId: str(r['note_id']),
      reaction: str(r['reaction']),
      actor: str(r['actor']),
    })),
  };
}

export class SqlStorage implements Storage {
  readonly shared: boolean;

  constructor(private readonly db: Dialect) {
    this.shared = db.shared;
  }

  async createBoard(b: BoardRecord, initialDoc: Uint8Array): Promise<void> {
    try {
      await this.db.write([
        sql(`INSERT INTO boards (${BOARD_COLUMNS}) VALUES ${placeholderRows(8, 1)}`, [
          b.id,
          b.code,
          b.title,
          b.template,
          b.createdAt,
          b.facilitatorKeyHash,
          b.projectorKeyHash,
          b.projectorKey,
        ]),
        sql(
          'INSERT INTO board_snapshots (board_id, snapshot, through_update_id) VALUES (?, ?, 0)',
          [b.id, initialDoc],
        ),
      ]);
    } catch (err) {
      if (this.db.isUniqueViolation(err, 'boards', 'code')) throw new JoinCodeTakenError();
      throw err;
    }
  }

  async getBoard(id: string): Promise<BoardRecord | undefined> {
    return this.board('id', id);
  }

  async getBoardByCode(code: string): Promise<BoardRecord | undefined> {
    return this.board('code', code);
  }

  private async board(by: 'id' | 'code', value: string): Promise<BoardRecord | undefined> {
    const [rows] = await this.db.read([
      sql(`SELECT ${BOARD_COLUMNS} FROM boards WHERE ${by} = ?`, [value]),
    ]);
    return rows?.[0] && toBoard(rows[0]);
  }

  async getParticipantByToken(
    boardId: string,
    tokenHash: string,
  ): Promise<ParticipantRecord | undefined> {
    const [rows] = await this.db.read([
      sql(`SELECT ${PARTICIPANT_COLUMNS} FROM participants WHERE board_id = ? AND token_hash = ?`, [
        boardId,
        tokenHash,
      ]),
    ]);
    return rows?.[0] && toParticipant(rows[0]);
  }

  async loadDoc(boardId: string): Promise<StoredDoc> {
    return (await this.readBoard(boardId, false)).doc;
  }

  async loadPrivate(boardId: string): Promise<StoredPrivate> {
    return toPrivate(await this.db.read(privateStatements(boardId)));
  }

  loadBoard(boardId: string): Promise<{ doc: StoredDoc; private: StoredPrivate }> {
    return this.readBoard(boardId, true);
  }

  private async readBoard(
    boardId: string,
    withPrivate: boolean,
  ): Promise<{ doc: StoredDoc; private: StoredPrivate }> {
    const [seq = [], snapshot = [], updates = [], ...priv] = await this.db.read([
      lockRow(boardId),
      ...docStatements(boardId),
      ...(withPrivate ? privateStatements(boardId) : []),
    ]);
    const s = snapshot[0];
    const after = s ? int(s['through_update_id']) : 0;
    const doc: StoredDoc = {
      snapshot: s ? bytes(s['snapshot']) : null,
      updates: updates.map((r) => bytes(r['data'])),
      lastUpdateId: updates.length > 0 ? int(updates.at(-1)!['id']) : after,
      seq: seq[0] ? int(seq[0]['seq']) : 0,
    };
    return { doc, private: toPrivate(priv) };
  }

  async lockBoard(boardId: string): Promise<BoardLock> {
    const lock = await this.db.lock(`board:${boardId}`, lockRow(boardId));
    const seq = lock.row ? int(lock.row['seq']) : undefined;
    return {
      seq,
      catchUp: (sinceUpdateId, sinceSeq) => this.catchUp(lock, boardId, sinceUpdateId, sinceSeq),
      appliedCommands: (keys) => this.appliedCommands(lock, boardId, keys),
      commit: async (b: CommitBatch) => {
        if (seq === undefined) {
          await lock.release();
          throw new RowGoneError(`board ${boardId}`);
        }
        const { statements, updateAt } = batchStatements(b, seq + 1, this.shared);
        const results = await lock.commit(statements);
        const id = updateAt === undefined ? undefined : results[updateAt]?.rows[0]?.['id'];
        return { updateId: id === undefined ? undefined : int(id), seq: seq + 1 };
      },
      release: () => lock.release(),
    };
  }

  private async catchUp(
    lock: DialectLock,
    boardId: string,
    sinceUpdateId: number,
    sinceSeq: number,
  ): Promise<BoardCatchUp> {
    const [snapshot = [], updates = []] = await lock.read(docStatements(boardId, sinceUpdateId));
    const s = snapshot[0];
    const through = s ? int(s['through_update_id']) : 0;
    return {
      snapshot:
        s && through > sinceUpdateId
          ? { data: bytes(s['snapshot']), throughUpdateId: through }
          : null,
      updates: updates.map((r) => ({ id: int(r['id']), data: bytes(r['data']) })),
      private: await this.privateSince(lock, boardId, sinceSeq),
    };
  }

  /** The logged changes after `sinceSeq` when the log still holds all of them, else the whole state. */
  private async privateSince(
    lock: DialectLock,
    boardId: string,
    sinceSeq: number,
  ): Promise<PrivateCatchUp> {
    const seq = lock.row ? int(lock.row['seq']) : 0;
    if (this.shared) {
      const [rows = []] = await lock.read([
        sql('SELECT seq, data FROM board_effects WHERE board_id = ? AND seq > ? ORDER BY seq', [
          boardId,
          sinceSeq,
        ]),
      ]);
      const batches = rows.map((r): LoggedChanges => ({
        seq: int(r['seq']),
        ...(JSON.parse(str(r['data'])) as Omit<LoggedChanges, 'seq'>),
      }));
      const complete =
        batches.length === seq - sinceSeq && batches.every((b, i) => b.seq === sinceSeq + i + 1);
      if (complete) return { kind: 'changes', batches };
    }
    return { kind: 'whole', state: toPrivate(await lock.read(privateStatements(boardId))) };
  }

  private async appliedCommands(
    lock: DialectLock,
    boardId: string,
    keys: { actor: string; commandId: string }[],
  ): Promise<Set<string>> {
    const found = new Set<string>();
    const parts = chunks(keys);
    const results = await lock.read(
      parts.map((part) =>
        sql(
          `SELECT actor, command_id FROM applied_commands
           WHERE board_id = ? AND (actor, command_id) IN (VALUES ${placeholderRows(2, part.length)})`,
          [boardId, ...part.flatMap((k) => [k.actor, k.commandId])],
        ),
      ),
    );
    for (const rows of results)
      for (const r of rows) found.add(`${str(r['actor'])}\u0000${str(r['command_id'])}`);
    return found;
  }

  async boardSeqs(boardIds: string[]): Promise<Map<string, number>> {
    const results = await this.db.read(
      chunks(boardIds).map((part) =>
        sql(`SELECT id, seq FROM boards WHERE id IN (${part.map(() => '?').join(', ')})`, part),
      ),
    );
    const out = new Map<string, number>();
    for (const rows of results) for (const r of rows) out.set(str(r['id']), int(r['seq']));
    return out;
  }

  async compact(boardId: string, snapshot: Uint8Array, throughUpdateId: number): Promise<void> {
    // Under the board's lock: a batch catching up never sees the log folded half-way.
    const lock = await this.db.lock(`board:${boardId}`, lockRow(boardId));
    if (!lock.row) return lock.release();
    await lock.commit([
      // A snapshot never replaces one that folds more of the log.
      sql(
        `INSERT INTO board_snapshots (board_id, snapshot, through_update_id) VALUES (?, ?, ?)
         ON CONFLICT (board_id) DO UPDATE SET snapshot = excluded.snapshot, through_update_id = excluded.through_update_id
         WHERE board_snapshots.through_update_id <= excluded.through_update_id`,
        [boardId, snapshot, throughUpdateId],
      ),
      sql('DELETE FROM board_updates WHERE board_id = ? AND id <= ?', [boardId, throughUpdateId]),
      ...(this.shared ? [pruneEffectLog(boardId, Date.now())] : []),
    ]);
  }

  async deleteBoard(boardId: string): Promise<void> {
    // Every other table follows by foreign key.
    await this.db.write([sql('DELETE FROM boards WHERE id = ?', [boardId])]);
    await this.db.afterErase();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
