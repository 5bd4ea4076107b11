/**
 * Board backups and tables: a board as plain JSON (to restore or duplicate a workshop), and as rows
 * of notes for a spreadsheet. Both are read from the shared document only, so they carry nothing
 * the document does not: no author, and group tags only where K-anonymity allowed them.
 */
import * as Y from 'yjs';
import { z } from 'zod';
import {
  BOARD_MODES,
  BOARD_SCHEMA_VERSION,
  coarseTime,
  FOLLOW_OFF,
  IDLE_TIMER,
  NOTE_COLORS,
  STATION_ASSIGNMENTS,
  clustersMap,
  metaMap,
  notesMap,
  promptsMap,
  readBoard,
  REACTIONS,
  roundsMap,
  type BoardState,
} from './board.js';
import { RECORD_ID_PATTERN } from './ids.js';
import {
  MAX_BOARD_TITLE_LENGTH,
  MAX_CLUSTERS_PER_BOARD,
  MAX_COORDINATE,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_GROUP_LABEL_LENGTH,
  MAX_GROUP_THRESHOLD,
  MAX_GROUPS_PER_BOARD,
  MAX_LABEL_LENGTH,
  MAX_NOTE_TEXT_LENGTH,
  MAX_NOTES_PER_BOARD,
  MAX_PROMPT_SIZE,
  MAX_PROMPT_TITLE_LENGTH,
  MAX_PROMPTS_PER_BOARD,
  MAX_ROUNDS_PER_BOARD,
  MAX_DOTS_PER_ROUND,
  MIN_GROUP_THRESHOLD,
  MIN_PROMPT_SIZE,
} from './limits.js';
import { MAX_STATIONS, TEMPLATE_IDS, type Locale } from './templates.js';
import { boundedText } from './text.js';

/** The format tag and version of a backup file. */
export const BACKUP_FORMAT = 'pajataulu-board';
export const BACKUP_VERSION = 1;

export interface BoardBackup {
  format: typeof BACKUP_FORMAT;
  version: number;
  exportedAt: string;
  board: BoardState;
}

/**
 * Note and board times as every export carries them: coarse (see {@link coarseTime}), whatever an
 * older document holds. Prompts, rounds and clusters keep their seconds: a facilitator made them,
 * and their order on the board follows those times.
 */
export function coarseBoardTimes(board: BoardState): BoardState {
  return {
    ...board,
    meta: { ...board.meta, createdAt: coarseTime(board.meta.createdAt) },
    // Sorted again: an order by finer times would tell what the coarse times no longer do.
    notes: board.notes
      .map((n) => ({ ...n, createdAt: coarseTime(n.createdAt) }))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)),
  };
}

export function toBackup(doc: Y.Doc, now: number): BoardBackup {
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    exportedAt: new Date(now).toISOString(),
    board: coarseBoardTimes(readBoard(doc)),
  };
}

/** Thrown for a file that is not a backup this code can read; `field` is the path of the first bad value. */
export class BackupError extends Error {
  readonly field: string;
  constructor(message: string, field = '') {
    super(message);
    this.name = 'BackupError';
    this.field = field;
  }
}

/**
 * Earliest and latest time (ms since 1970) a backup may carry. Times are shown as ISO dates in
 * exports, which throw outside ±8.64e15; a board made after 2200 is not real. Zero stays allowed:
 * it marks a round that has not ended.
 */
export const MIN_BACKUP_TIME = 0;
export const MAX_BACKUP_TIME = Date.UTC(2200, 0, 1);
/** Largest count (reactions, dots, group members) a backup may carry: more people than any workshop. */
export const MAX_BACKUP_COUNT = 1_000_000;
/** Role group ids as the server makes them (`g1`…`g12`). */
export const GROUP_ID_PATTERN = /^g[1-9][0-9]?$/;

const id = z.string().regex(RECORD_ID_PATTERN);
const groupId = z.string().regex(GROUP_ID_PATTERN);
const coord = z.number().finite().min(-MAX_COORDINATE).max(MAX_COORDINATE);
const short = (max: number) => boundedText(max);
const time = z.number().finite().min(MIN_BACKUP_TIME).max(MAX_BACKUP_TIME);
const count = z.number().int().min(0).max(MAX_BACKUP_COUNT);
/**
 * A record keyed by ids: every key must match `key` (so `__proto__` or `constructor` never get
 * in), and it is built on a null prototype so a lookup of any other name finds nothing.
 */
const keyed = (key: z.ZodType<string>, maxKeys: number) =>
  z
    .unknown()
    .superRefine((v, ctx) => {
      // Checked on the raw own keys: a record schema alone lets `__proto__` through unseen.
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return;
      for (const k of Object.keys(v))
        if (!key.safeParse(k).success)
          ctx.addIssue({
            code: 'custom',
            path: [k],
            message: `${JSON.stringify(k)} is not a valid key`,
          });
    })
    .pipe(z.partialRecord(key, count))
    .refine((r) => Object.keys(r).length <= maxKeys, `at most ${maxKeys} keys`)
    .transform((r) => Object.assign(Object.create(null) as Record<string, number>, r))
    .default(() => Object.create(null) as Record<string, number>);

const BackupPrompt = z.object({
  id,
  title: short(MAX_PROMPT_TITLE_LENGTH),
  description: short(MAX_PROMPT_TITLE_LENGTH * 4).default(''),
  x: coord,
  y: coord,
  w: z.number().min(MIN_PROMPT_SIZE).max(MAX_PROMPT_SIZE),
  h: z.number().min(MIN_PROMPT_SIZE).max(MAX_PROMPT_SIZE),
  createdAt: time,
  locked: z.boolean().default(false),
  privateWriting: z.boolean().default(false),
  waiting: z.number().int().min(0).max(MAX_NOTES_PER_BOARD).default(0),
  station: z.number().int().min(1).max(MAX_STATIONS).nullable().default(null),
});
const BackupNote = z.object({
  id,
  promptId: id.nullable(),
  text: short(MAX_NOTE_TEXT_LENGTH),
  x: coord,
  y: coord,
  color: z.enum(NOTE_COLORS),
  createdAt: time,
  group: groupId.nullable().default(null),
  author: short(MAX_DISPLAY_NAME_LENGTH).nullable().default(null),
  month: z.number().int().min(1).max(12).nullable().default(null),
  reactions: keyed(z.enum(REACTIONS), REACTIONS.length),
  votes: keyed(id, MAX_ROUNDS_PER_BOARD),
  cluster: id.nullable().default(null),
  editedByFacilitator: z.boolean().default(false),
});
const BackupMeta = z.object({
  title: short(MAX_BOARD_TITLE_LENGTH).min(1),
  template: z.enum(TEMPLATE_IDS),
  createdAt: time,
  mode: z.enum(BOARD_MODES),
  locked: z.boolean(),
  privateWriting: z.boolean(),
  waiting: z.number().int().min(0).max(MAX_NOTES_PER_BOARD),
  groups: z
    .array(z.object({ id: groupId, label: short(MAX_GROUP_LABEL_LENGTH) }))
    .max(MAX_GROUPS_PER_BOARD),
  groupThreshold: z.number().int().min(MIN_GROUP_THRESHOLD).max(MAX_GROUP_THRESHOLD),
  groupCounts: keyed(groupId, MAX_GROUPS_PER_BOARD),
  wheel: z
    .object({ x: coord, y: coord, r: z.number().positive().max(MAX_PROMPT_SIZE) })
    .nullable()
    .default(null),
  timer: z.unknown().optional(),
  follow: z.unknown().optional(),
  stationAssignment: z.enum(STATION_ASSIGNMENTS).nullable().default(null),
  participantExport: z.boolean().default(false),
});
const BackupSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.number().int().min(1).max(BACKUP_VERSION),
  exportedAt: z.string().max(64),
  board: z.object({
    meta: BackupMeta,
    prompts: z.array(BackupPrompt).max(MAX_PROMPTS_PER_BOARD),
    notes: z.array(BackupNote).max(MAX_NOTES_PER_BOARD),
    rounds: z
      .array(
        z.object({
          id,
          label: short(MAX_LABEL_LENGTH),
          dots: z.number().int().min(1).max(MAX_DOTS_PER_ROUND),
          maxPerNote: z.number().int().min(1).max(MAX_DOTS_PER_ROUND),
          promptIds: z.array(id).max(MAX_PROMPTS_PER_BOARD).nullable(),
          showTotals: z.boolean(),
          state: z.enum(['open', 'closed']),
          createdAt: time,
          endedAt: time,
        }),
      )
      .max(MAX_ROUNDS_PER_BOARD)
      .default([]),
    clusters: z
      .array(z.object({ id, label: short(MAX_LABEL_LENGTH), createdAt: time }))
      .max(MAX_CLUSTERS_PER_BOARD)
      .default([]),
  }),
});

/** Validates an untrusted backup; unknown fields are dropped, every value is checked. */
export function readBackup(raw: unknown): BoardBackup {
  const parsed = BackupSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field = first?.path.map(String).join('.') ?? '';
    throw new BackupError(
      `not a readable Pajataulu backup: ${field} ${first?.message ?? ''}`.trim(),
      field,
    );
  }
  const b = parsed.data;
  // A restored board starts without a running timer or a follow-me request. A backup written
  // before times were coarsened still imports; its note times are coarsened here, because the
  // restored board is read by its participants, not only by whoever kept the file.
  const board = coarseBoardTimes(b.board as BoardState);
  return {
    ...b,
    board: {
      ...board,
      meta: {
        ...board.meta,
        timer: IDLE_TIMER,
        follow: FOLLOW_OFF,
        schemaVersion: BOARD_SCHEMA_VERSION,
      },
    },
  } as BoardBackup;
}

/**
 * The document stores plain objects only; a null-prototype record from {@link readBackup} is
 * copied into one (its keys were checked, so none of them can reach the prototype).
 */
function plain(v: unknown): unknown {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === null ? { ...v } : v;
}

/** Writes a backed-up board into an empty document, keeping every id and field. */
export function restoreBoardDoc(doc: Y.Doc, backup: BoardBackup): void {
  const { meta, prompts, notes, rounds, clusters } = backup.board;
  doc.transact(() => {
    const m = metaMap(doc);
    for (const [k, v] of Object.entries(meta)) m.set(k, plain(v));
    m.set('schemaVersion', BOARD_SCHEMA_VERSION);
    for (const p of prompts) {
      const r = new Y.Map<unknown>();
      for (const [k, v] of Object.entries(p)) if (k !== 'id') r.set(k, v);
      promptsMap(doc).set(p.id, r);
    }
    for (const n of notes) {
      const r = new Y.Map<unknown>();
      for (const [k, v] of Object.entries(n)) {
        // The edit mark is written only where it is set, as the handlers write it.
        if (k === 'id' || (k === 'editedByFacilitator' && v !== true)) continue;
        r.set(k, plain(v));
      }
      notesMap(doc).set(n.id, r);
    }
    for (const r of rounds ?? []) roundsMap(doc).set(r.id, r);
    for (const c of clusters ?? []) clustersMap(doc).set(c.id, c);
  });
}

/** Column titles of the notes table, per language. */
const COLUMN_TITLES: Record<Locale, Record<string, string>> = {
  fi: {
    prompt: 'Alue',
    text: 'Teksti',
    group: 'Ryhmä',
    month: 'Kuukausi',
    station: 'Rasti',
    cluster: 'Ryhmittely',
    edited: 'Fasilitaattorin muokkaama',
    editedMark: 'muokattu',
    created: 'Luotu',
    votes: 'Pisteet',
    reactions: 'Reaktiot',
  },
  sv: {
    prompt: 'Område',
    text: 'Text',
    group: 'Grupp',
    month: 'Månad',
    station: 'Station',
    cluster: 'Gruppering',
    edited: 'Redigerad av facilitatorn',
    editedMark: 'redigerad',
    created: 'Skapad',
    votes: 'Poäng',
    reactions: 'Reaktioner',
  },
  en: {
    prompt: 'Area',
    text: 'Text',
    group: 'Group',
    month: 'Month',
    station: 'Station',
    cluster: 'Cluster',
    edited: 'Edited by the facilitator',
    editedMark: 'edited',
    created: 'Created',
    votes: 'Dots',
    reactions: 'Reactions',
  },
};

export interface NotesTable {
  headers: string[];
  rows: (string | number)[][];
}

/**
 * Every note as a row: area, text, group (where shown), month, station, cluster, whether the
 * facilitator changed its text, votes per round, reactions, time (coarse: the minute written, or
 * the reveal's for private writing). Rows keep the board's order, oldest first and ties by id, so
 * notes of one minute or one reveal come in no order that tells who wrote first.
 */
export function notesTable(state: BoardState, locale: Locale): NotesTable {
  const board = coarseBoardTimes(state);
  const t = COLUMN_TITLES[locale];
  const month = new Intl.DateTimeFormat(locale, { month: 'long' });
  const prompts = new Map(board.prompts.map((p) => [p.id, p]));
  const groups = new Map(board.meta.groups.map((g) => [g.id, g.label]));
  const clusters = new Map(board.clusters.map((c) => [c.id, c.label]));
  const headers = [
    t['prompt']!,
    t['text']!,
    t['group']!,
    t['month']!,
    t['station']!,
    t['cluster']!,
    t['edited']!,
    ...board.rounds.map((r, i) => `${t['votes']} ${r.label || i + 1}`),
    ...REACTIONS.map((r) => `${t['reactions']}: ${r}`),
    t['created']!,
  ];
  const rows = board.notes.map((n) => {
    const p = n.promptId ? prompts.get(n.promptId) : undefined;
    return [
      p?.title ?? '',
      n.text,
      n.group ? (groups.get(n.group) ?? '') : '',
      n.month ? month.format(new Date(2024, n.month - 1, 15)) : '',
      p?.station ?? '',
      n.cluster ? (clusters.get(n.cluster) ?? '') : '',
      n.editedByFacilitator ? t['editedMark']! : '',
      ...board.rounds.map((r) => n.votes[r.id] ?? 0),
      ...REACTIONS.map((r) => n.reactions[r] ?? 0),
      new Date(n.createdAt).toISOString(),
    ];
  });
  return { headers, rows };
}

/** First characters that make a spreadsheet read a cell as a formula (or a DDE call). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * The table as CSV the way Finnish Excel opens it: UTF-8 with a byte-order mark, semicolons
 * between fields (the comma is the decimal separator there), CRLF line ends.
 */
export function toCsv(table: NotesTable): string {
  const cell = (v: string | number) => {
    if (typeof v === 'number') return String(v);
    // A spreadsheet runs a cell that starts like a formula (OWASP, CSV injection): such text gets a
    // leading single quote, which shows it as text, and is quoted so the quote stays in the field.
    if (FORMULA_START.test(v)) return `"'${v.replace(/"/g, '""')}"`;
    return /[";\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  };
  const lines = [table.headers, ...table.rows].map((r) => r.map(cell).join(';'));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
