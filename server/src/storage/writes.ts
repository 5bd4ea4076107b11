/**
 * The statements one committed batch writes. Rows of one kind go into one multi-row statement:
 * a batch of a thousand votes is a handful of statements, not a thousand round trips.
 *
 * Effects run in order, so consecutive effects of one kind form a run and each run becomes its
 * statements; within a run, effects on the same row fold into one (the last write wins, dots
 * add up), since one multi-row upsert may not touch a row twice.
 */
import type { PrivateEffect } from '@pajataulu/shared';
import { chunks, placeholderRows, sql, type SqlValue, type Statement } from './dialect.js';
import type { CommitBatch, LoggedChanges } from './storage.js';

/** Batches the effect log keeps per board; a process further behind reads the whole state. */
export const EFFECT_LOG_RETAINED_BATCHES = 500;
/** How long the effect log keeps a batch. */
export const EFFECT_LOG_RETENTION_MS = 10 * 60_000;

/** The statements of `b`, committed as batch `seq`; the first advances the board's sequence. */
export function batchStatements(
  b: CommitBatch,
  seq: number,
  logEffects: boolean,
): { statements: Statement[]; updateAt: number | undefined } {
  const out: Statement[] = [
    { ...sql('UPDATE boards SET seq = ? WHERE id = ?', [seq, b.boardId]), changesOne: true },
  ];
  let updateAt: number | undefined;
  if (b.update) {
    updateAt = out.length;
    out.push(
      sql('INSERT INTO board_updates (board_id, data, created_at) VALUES (?, ?, ?) RETURNING id', [
        b.boardId,
        b.update,
        b.at,
      ]),
    );
  }
  for (const part of chunks(b.joined)) {
    out.push(
      sql(
        `INSERT INTO participants (id, board_id, token_hash, display_name, group_id, station_id, created_at, revoked_at)
         VALUES ${placeholderRows(8, part.length)}`,
        part.flatMap((p) => [
          p.id,
          p.boardId,
          p.tokenHash,
          p.displayName,
          p.groupId,
          p.stationId,
          p.createdAt,
          p.revokedAt,
        ]),
      ),
    );
  }
  for (const part of chunks(b.commands)) {
    out.push(
      sql(
        `INSERT INTO applied_commands (board_id, actor, command_id, applied_at)
         VALUES ${placeholderRows(4, part.length)} ON CONFLICT DO NOTHING`,
        part.flatMap((c) => [b.boardId, c.actor, c.commandId, b.at]),
      ),
    );
  }
  for (const run of runs(b.effects)) out.push(...runStatements(b.boardId, run, b.at));
  if (b.facilitatorKeyHash !== undefined) {
    out.push(
      sql('UPDATE boards SET facilitator_key_hash = ? WHERE id = ?', [
        b.facilitatorKeyHash,
        b.boardId,
      ]),
    );
  }
  if (logEffects) {
    const logged: Omit<LoggedChanges, 'seq'> = {
      joined: b.joined,
      effects: b.effects.filter((e) => e.kind !== 'rotateKey'),
    };
    out.push(
      sql('INSERT INTO board_effects (board_id, seq, data, created_at) VALUES (?, ?, ?, ?)', [
        b.boardId,
        seq,
        JSON.stringify(logged),
        b.at,
      ]),
      pruneEffectLog(b.boardId, b.at, seq - EFFECT_LOG_RETAINED_BATCHES),
    );
  }
  return { statements: out, updateAt };
}

/** Drops log entries older than the retention time, or at or below sequence `throughSeq`. */
export function pruneEffectLog(boardId: string, now: number, throughSeq = 0): Statement {
  return sql('DELETE FROM board_effects WHERE board_id = ? AND (seq <= ? OR created_at < ?)', [
    boardId,
    throughSeq,
    now - EFFECT_LOG_RETENTION_MS,
  ]);
}

type RunKind = Exclude<PrivateEffect['kind'], 'reaction'> | 'reactionOn' | 'reactionOff';
type Of<K extends PrivateEffect['kind']> = Extract<PrivateEffect, { kind: K }>;

function runKind(e: PrivateEffect): RunKind {
  if (e.kind === 'reaction') return e.on ? 'reactionOn' : 'reactionOff';
  return e.kind;
}

function runs(effects: readonly PrivateEffect[]): { kind: RunKind; effects: PrivateEffect[] }[] {
  const out: { kind: RunKind; effects: PrivateEffect[] }[] = [];
  for (const e of effects) {
    const kind = runKind(e);
    const last = out.at(-1);
    if (last?.kind === kind) last.effects.push(e);
    else out.push({ kind, effects: [e] });
  }
  return out;
}

/** The last effect per key, in first-seen order. */
function lastPerKey<T>(items: readonly T[], key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const t of items) m.set(key(t), t);
  return [...m.values()];
}

/** A multi-row statement per chunk: `head VALUES (…), (…) tail`. */
function multiRow<T>(
  head: string,
  width: number,
  items: readonly T[],
  values: (t: T) => SqlValue[],
  tail = '',
): Statement[] {
  return chunks(items).map((part) =>
    sql(`${head} VALUES ${placeholderRows(width, part.length)} ${tail}`, part.flatMap(values)),
  );
}

/** `DELETE`/`UPDATE` for rows of this board whose key is among `keys`. */
function whereKeyIn(
  head: string,
  headParams: SqlValue[],
  columns: string[],
  keys: readonly SqlValue[][],
): Statement[] {
  const target = columns.length === 1 ? columns[0]! : `(${columns.join(', ')})`;
  return chunks(keys).map((part) =>
    sql(
      `${head} AND ${target} IN (${
        columns.length === 1
          ? part.map(() => '?').join(', ')
          : `VALUES ${placeholderRows(columns.length, part.length)}`
      })`,
      [...headParams, ...part.flat()],
    ),
  );
}

function runStatements(
  boardId: string,
  run: { kind: RunKind; effects: PrivateEffect[] },
  at: number,
): Statement[] {
  const all = <K extends PrivateEffect['kind']>() => run.effects as Of<K>[];
  switch (run.kind) {
    case 'noteMeta':
      return multiRow(
        'INSERT INTO note_meta (board_id, note_id, participant_id, group_id)',
        4,
        lastPerKey(all<'noteMeta'>(), (e) => e.noteId),
        (e) => [boardId, e.noteId, e.participantId, e.group],
        `ON CONFLICT (board_id, note_id) DO UPDATE SET participant_id = excluded.participant_id, group_id = excluded.group_id`,
      );
    case 'noteForget':
      return whereKeyIn(
        'DELETE FROM note_meta WHERE board_id = ?',
        [boardId],
        ['note_id'],
        all<'noteForget'>().map((e) => [e.noteId]),
      );
    case 'offstagePut':
      return multiRow(
        'INSERT INTO offstage_notes (board_id, note_id, data)',
        3,
        lastPerKey(all<'offstagePut'>(), (e) => e.note.id),
        (e) => [boardId, e.note.id, JSON.stringify(e.note)],
        'ON CONFLICT (board_id, note_id) DO UPDATE SET data = excluded.data',
      );
    case 'offstageDelete':
      return whereKeyIn(
        'DELETE FROM offstage_notes WHERE board_id = ?',
        [boardId],
        ['note_id'],
        all<'offstageDelete'>().map((e) => [e.noteId]),
      );
    case 'revoke':
      return whereKeyIn(
        'UPDATE participants SET revoked_at = ? WHERE board_id = ?',
        [at, boardId],
        ['id'],
        all<'revoke'>().map((e) => [e.participantId]),
      );
    case 'title': {
      const last = all<'title'>().at(-1)!;
      return [sql('UPDATE boards SET title = ? WHERE id = ?', [last.title, boardId])];
    }
    case 'vote': {
      // Dots never go below zero one step at a time, so adding the run up first and dropping
      // empty rows after ends where applying it one by one would.
      const sums = new Map<string, { e: Of<'vote'>; dots: number }>();
      for (const e of all<'vote'>()) {
        const k = `${e.roundId}\u0000${e.participantId}\u0000${e.noteId}`;
        const s = sums.get(k);
        if (s) s.dots += e.delta;
        else sums.set(k, { e, dots: e.delta });
      }
      const out = multiRow(
        'INSERT INTO votes (board_id, round_id, participant_id, note_id, dots)',
        5,
        [...sums.values()],
        ({ e, dots }) => [boardId, e.roundId, e.participantId, e.noteId, dots],
        'ON CONFLICT (board_id, round_id, participant_id, note_id) DO UPDATE SET dots = votes.dots + excluded.dots',
      );
      if (all<'vote'>().some((e) => e.delta < 0))
        out.push(sql('DELETE FROM votes WHERE board_id = ? AND dots <= 0', [boardId]));
      return out;
    }
    case 'reactionOn':
      return multiRow(
        'INSERT INTO reactions (board_id, note_id, reaction, actor)',
        4,
        all<'reaction'>(),
        (e) => [boardId, e.noteId, e.reaction, e.actor],
        'ON CONFLICT DO NOTHING',
      );
    case 'reactionOff':
      return whereKeyIn(
        'DELETE FROM reactions WHERE board_id = ?',
        [boardId],
        ['note_id', 'reaction', 'actor'],
        all<'reaction'>().map((e) => [e.noteId, e.reaction, e.actor]),
      );
    case 'station':
      return lastPerKey(all<'station'>(), (e) => e.participantId).map((e) =>
        sql('UPDATE participants SET station_id = ? WHERE board_id = ? AND id = ?', [
          e.promptId,
          boardId,
          e.participantId,
        ]),
      );
    case 'rotateKey':
      // The new hash travels in the batch itself.
      return [];
  }
}
