/**
 * The board document: how a board sits in its Y.Doc, and typed read access to it.
 *
 * Layout (schema version {@link BOARD_SCHEMA_VERSION}):
 *
 * - `meta`    Y.Map: `schemaVersion` number, `title` string, `template` string, `createdAt` number
 * - `prompts` Y.Map: prompt id → Y.Map { title, x, y, w, h, createdAt }
 * - `notes`   Y.Map: note id → Y.Map { promptId (string | null), text, x, y, color, createdAt }
 *
 * The document holds only what every participant of the board may see: no author, no session,
 * no per-author field. Only the server writes it (see `apply.ts`).
 */
import type * as Y from 'yjs';

/** The schema version this code writes. Older documents are migrated on load (`migrations.ts`). */
export const BOARD_SCHEMA_VERSION = 1;

/** Note colours, by name; the client maps each to a colour with text contrast ≥ 4.5:1. */
export const NOTE_COLORS = ['yellow', 'pink', 'green', 'blue', 'orange', 'purple'] as const;
export type NoteColor = (typeof NOTE_COLORS)[number];
export const DEFAULT_NOTE_COLOR: NoteColor = 'yellow';

/** Templates a board can be created from. */
export const TEMPLATES = ['blank'] as const;
export type TemplateId = (typeof TEMPLATES)[number];

export interface BoardMeta {
  schemaVersion: number;
  title: string;
  template: string;
  createdAt: number;
}

export interface Prompt {
  id: string;
  title: string;
  x: number;
  y: number;
  w: number;
  h: number;
  createdAt: number;
}

export interface Note {
  id: string;
  /** The prompt whose area holds the note's centre, or null for the open canvas. */
  promptId: string | null;
  text: string;
  x: number;
  y: number;
  color: NoteColor;
  /** Creation time in ms since the epoch, rounded down to the second. */
  createdAt: number;
}

/** A Y.Map of plain values, the record type of the document. */
export type RecordMap = Y.Map<unknown>;

export function metaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('meta');
}
export function promptsMap(doc: Y.Doc): Y.Map<RecordMap> {
  return doc.getMap('prompts');
}
export function notesMap(doc: Y.Doc): Y.Map<RecordMap> {
  return doc.getMap('notes');
}

function str(m: RecordMap, key: string, fallback = ''): string {
  const v = m.get(key);
  return typeof v === 'string' ? v : fallback;
}
function num(m: RecordMap, key: string, fallback = 0): number {
  const v = m.get(key);
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function isNoteColor(v: unknown): v is NoteColor {
  return typeof v === 'string' && (NOTE_COLORS as readonly string[]).includes(v);
}

/** Reads the board's meta record. */
export function readMeta(doc: Y.Doc): BoardMeta {
  const m = metaMap(doc);
  return {
    schemaVersion: num(m, 'schemaVersion', 0),
    title: str(m, 'title'),
    template: str(m, 'template', 'blank'),
    createdAt: num(m, 'createdAt'),
  };
}

/** Reads one prompt record. */
export function readPrompt(id: string, m: RecordMap): Prompt {
  return {
    id,
    title: str(m, 'title'),
    x: num(m, 'x'),
    y: num(m, 'y'),
    w: num(m, 'w'),
    h: num(m, 'h'),
    createdAt: num(m, 'createdAt'),
  };
}

/** Reads one note record. */
export function readNote(id: string, m: RecordMap): Note {
  const promptId = m.get('promptId');
  const color = m.get('color');
  return {
    id,
    promptId: typeof promptId === 'string' ? promptId : null,
    text: str(m, 'text'),
    x: num(m, 'x'),
    y: num(m, 'y'),
    color: isNoteColor(color) ? color : DEFAULT_NOTE_COLOR,
    createdAt: num(m, 'createdAt'),
  };
}

export function getPrompt(doc: Y.Doc, id: string): Prompt | undefined {
  const m = promptsMap(doc).get(id);
  return m ? readPrompt(id, m) : undefined;
}
export function getNote(doc: Y.Doc, id: string): Note | undefined {
  const m = notesMap(doc).get(id);
  return m ? readNote(id, m) : undefined;
}

/** All prompts, oldest first (ties broken by id so every replica agrees). */
export function listPrompts(doc: Y.Doc): Prompt[] {
  const out: Prompt[] = [];
  promptsMap(doc).forEach((m, id) => out.push(readPrompt(id, m)));
  return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

/** All notes, oldest first (ties broken by id). */
export function listNotes(doc: Y.Doc): Note[] {
  const out: Note[] = [];
  notesMap(doc).forEach((m, id) => out.push(readNote(id, m)));
  return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

/** A plain snapshot of the whole board, for rendering, comparisons and exports. */
export interface BoardState {
  meta: BoardMeta;
  prompts: Prompt[];
  notes: Note[];
}

export function readBoard(doc: Y.Doc): BoardState {
  return { meta: readMeta(doc), prompts: listPrompts(doc), notes: listNotes(doc) };
}
