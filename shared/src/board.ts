/**
 * The board document: how a board sits in its Y.Doc, and typed read access to it.
 *
 * Layout (schema version {@link BOARD_SCHEMA_VERSION}):
 *
 * - `meta`    Y.Map: `schemaVersion`, `title`, `template`, `createdAt`, `mode` ('anonymous' |
 *             'named'), `locked`, `privateWriting` (whole board), `waiting` (private notes outside
 *             any prompt), `groups` ({ id, label }[]), `groupThreshold` (K), `groupCounts`
 *             ({ [groupId]: members }, only for groups with at least K members), `wheel` (the
 *             annual clock, or null), `timer`, `follow`, `stationAssignment`, `rev` (changes
 *             with every committed batch, so deletions advance the document's version too)
 * - `prompts` Y.Map: prompt id → Y.Map { title, description, x, y, w, h, createdAt, locked,
 *             privateWriting, waiting (how many private notes wait for the reveal), station }
 * - `notes`   Y.Map: note id → Y.Map { promptId (string | null), text, x, y, color, createdAt
 *             (coarse: {@link coarseTime}; a revealed note carries its reveal's time),
 *             group (string | null: only when the group has at least K members),
 *             author (string | null: a display name, only on named boards), month (1–12 on the
 *             annual clock), reactions (counts), votes (totals per round), cluster }
 * - `rounds`  Y.Map: round id → {@link VoteRound} (a plain value)
 * - `clusters` Y.Map: cluster id → {@link Cluster} (a plain value)
 *
 * The document holds only what every participant of the board may see: no author, no session,
 * no per-author field. Only the server writes it (see `apply.ts`).
 */
import type * as Y from 'yjs';
import { NOTE_TIME_RESOLUTION_MS } from './limits.js';
import { TEMPLATE_IDS, type TemplateKind } from './templates.js';
import type { Wheel } from './wheel.js';

/** The schema version this code writes. Older documents are migrated on load (`migrations.ts`). */
export const BOARD_SCHEMA_VERSION = 4;

/**
 * A time as notes and the board carry it: rounded down to {@link NOTE_TIME_RESOLUTION_MS}. Applied
 * where a time is written and again where one leaves the server (exports, offstage notes), so an
 * older record with a finer time is coarsened on its way out too. Idempotent.
 */
export function coarseTime(t: number): number {
  return Math.floor(t / NOTE_TIME_RESOLUTION_MS) * NOTE_TIME_RESOLUTION_MS;
}

/** Note colours, by name; the client maps each to a colour with text contrast ≥ 4.5:1. */
export const NOTE_COLORS = ['yellow', 'pink', 'green', 'blue', 'orange', 'purple'] as const;
export type NoteColor = (typeof NOTE_COLORS)[number];
export const DEFAULT_NOTE_COLOR: NoteColor = 'yellow';

/** Templates a board can be created from (see `templates.ts`). */
export const TEMPLATES = TEMPLATE_IDS;
export type TemplateId = TemplateKind;

/** Appreciative reactions a note can get, one of each per person. */
export const REACTIONS = ['heart', 'clap', 'idea', 'agree'] as const;
export type Reaction = (typeof REACTIONS)[number];

/** What happens when the timer runs out. */
export const TIMER_END_ACTIONS = ['none', 'reveal', 'lock'] as const;
export type TimerEndAction = (typeof TIMER_END_ACTIONS)[number];

/** The shared countdown. Times are server time (ms since the epoch). */
export interface TimerState {
  state: 'idle' | 'running' | 'paused' | 'ended';
  durationMs: number;
  /** When a running timer ends. */
  endsAt: number;
  /** What is left of a paused or idle timer. */
  remainingMs: number;
  onEnd: TimerEndAction;
  sound: boolean;
}

export const IDLE_TIMER: TimerState = {
  state: 'idle',
  durationMs: 0,
  endsAt: 0,
  remainingMs: 0,
  onEnd: 'none',
  sound: true,
};

/** Where the facilitator asks everyone to look. `seq` grows with every request. */
export interface FollowState {
  mode: 'off' | 'view' | 'prompt';
  x: number;
  y: number;
  zoom: number;
  promptId: string | null;
  seq: number;
}

export const FOLLOW_OFF: FollowState = { mode: 'off', x: 0, y: 0, zoom: 1, promptId: null, seq: 0 };

/** How participants of a stations board are put into groups. */
export const STATION_ASSIGNMENTS = ['self', 'balanced', 'mixed'] as const;
export type StationAssignment = (typeof STATION_ASSIGNMENTS)[number];

/** A dot-voting round. */
export interface VoteRound {
  id: string;
  label: string;
  dots: number;
  maxPerNote: number;
  /** The prompts whose notes can be voted on; null for all. */
  promptIds: string[] | null;
  /** Whether totals show while the round is open. */
  showTotals: boolean;
  state: 'open' | 'closed';
  createdAt: number;
  endedAt: number;
}

export interface Cluster {
  id: string;
  label: string;
  createdAt: number;
}

/** Anonymous boards (the default) show no author anywhere; named boards show display names on notes. */
export const BOARD_MODES = ['anonymous', 'named'] as const;
export type BoardMode = (typeof BOARD_MODES)[number];

/** A role group participants pick at join (e.g. staff, supervisors, management). */
export interface RoleGroup {
  id: string;
  label: string;
}

/** Groups a board gets when its creator names none. */
export const DEFAULT_GROUP_LABELS = ['henkilöstö', 'esihenkilöt', 'johto'] as const;
/** K: a group's tag is shown only once this many participants have joined it. */
export const DEFAULT_GROUP_THRESHOLD = 3;

export interface BoardMeta {
  schemaVersion: number;
  title: string;
  template: string;
  createdAt: number;
  mode: BoardMode;
  locked: boolean;
  privateWriting: boolean;
  /** Private notes outside any prompt waiting for the reveal. */
  waiting: number;
  groups: RoleGroup[];
  groupThreshold: number;
  /** Members per group, only for groups that have reached the threshold. */
  groupCounts: Record<string, number>;
  /** The annual clock's wheel, on boards that have one. */
  wheel: Wheel | null;
  timer: TimerState;
  follow: FollowState;
  /** How participants are put into stations, on boards that have stations. */
  stationAssignment: StationAssignment | null;
  /** Whether participants may save the board as an image (facilitators always may). */
  participantExport: boolean;
}

export interface Prompt {
  id: string;
  title: string;
  x: number;
  y: number;
  w: number;
  h: number;
  createdAt: number;
  /** Participants cannot add, move or change notes in a locked prompt. */
  locked: boolean;
  /** New notes here are seen only by their author until a facilitator reveals them. */
  privateWriting: boolean;
  /** How many private notes wait for the reveal. */
  waiting: number;
  /** A guiding question under the title. */
  description: string;
  /** The station number on a stations board, or null. */
  station: number | null;
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
  /**
   * The author's role group, decided when the note was written: present only if that group had at
   * least K members at that moment. Later joins, leaves and threshold changes never change it.
   */
  group: string | null;
  /** The author's display name, on named boards only. */
  author: string | null;
  /** On an annual-clock board, the month (1–12) whose sector holds the note. */
  month: number | null;
  /** Reaction counts. */
  reactions: Partial<Record<Reaction, number>>;
  /** Vote totals per round, where the round shows them. */
  votes: Record<string, number>;
  /** The cluster the note was grouped into. */
  cluster: string | null;
  /**
   * Whether a facilitator changed the text of a participant's note. Written only when true (absent
   * reads as false); it never says who the author is.
   */
  editedByFacilitator: boolean;
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
/** Vote rounds: round id → {@link VoteRound} (a plain value, replaced whole). */
export function roundsMap(doc: Y.Doc): Y.Map<VoteRound> {
  return doc.getMap('rounds');
}
/** Clusters: cluster id → {@link Cluster} (a plain value). */
export function clustersMap(doc: Y.Doc): Y.Map<Cluster> {
  return doc.getMap('clusters');
}

function str(m: RecordMap, key: string, fallback = ''): string {
  const v = m.get(key);
  return typeof v === 'string' ? v : fallback;
}
function num(m: RecordMap, key: string, fallback = 0): number {
  const v = m.get(key);
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function bool(m: RecordMap, key: string): boolean {
  return m.get(key) === true;
}
function strOrNull(m: RecordMap, key: string): string | null {
  const v = m.get(key);
  return typeof v === 'string' ? v : null;
}

function readGroups(v: unknown): RoleGroup[] {
  if (!Array.isArray(v)) return [];
  return v.filter(
    (g): g is RoleGroup =>
      typeof g === 'object' &&
      g !== null &&
      typeof g.id === 'string' &&
      typeof g.label === 'string',
  );
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function readWheel(v: unknown): Wheel | null {
  const o = obj(v);
  if (!o || typeof o['x'] !== 'number' || typeof o['y'] !== 'number' || typeof o['r'] !== 'number')
    return null;
  return { x: o['x'], y: o['y'], r: o['r'] };
}

function readTimer(v: unknown): TimerState {
  const o = obj(v);
  if (!o) return IDLE_TIMER;
  const state = ['idle', 'running', 'paused', 'ended'].includes(o['state'] as string)
    ? (o['state'] as TimerState['state'])
    : 'idle';
  const n = (k: string) => (typeof o[k] === 'number' ? (o[k] as number) : 0);
  const onEnd = (TIMER_END_ACTIONS as readonly unknown[]).includes(o['onEnd'])
    ? (o['onEnd'] as TimerEndAction)
    : 'none';
  return {
    state,
    durationMs: n('durationMs'),
    endsAt: n('endsAt'),
    remainingMs: n('remainingMs'),
    onEnd,
    sound: o['sound'] !== false,
  };
}

function readFollow(v: unknown): FollowState {
  const o = obj(v);
  if (!o) return FOLLOW_OFF;
  const mode = o['mode'] === 'view' || o['mode'] === 'prompt' ? o['mode'] : 'off';
  const n = (k: string, d: number) => (typeof o[k] === 'number' ? (o[k] as number) : d);
  return {
    mode,
    x: n('x', 0),
    y: n('y', 0),
    zoom: n('zoom', 1),
    promptId: typeof o['promptId'] === 'string' ? o['promptId'] : null,
    seq: n('seq', 0),
  };
}

function readCounts(v: unknown): Record<string, number> {
  // A null prototype: a lookup by a round or group id never finds `constructor` and the like.
  const out = Object.create(null) as Record<string, number>;
  if (typeof v !== 'object' || v === null) return out;
  for (const [k, n] of Object.entries(v)) if (typeof n === 'number') out[k] = n;
  return out;
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
    mode: m.get('mode') === 'named' ? 'named' : 'anonymous',
    locked: bool(m, 'locked'),
    privateWriting: bool(m, 'privateWriting'),
    waiting: num(m, 'waiting'),
    groups: readGroups(m.get('groups')),
    groupThreshold: num(m, 'groupThreshold', DEFAULT_GROUP_THRESHOLD),
    groupCounts: readCounts(m.get('groupCounts')),
    wheel: readWheel(m.get('wheel')),
    timer: readTimer(m.get('timer')),
    follow: readFollow(m.get('follow')),
    stationAssignment: (STATION_ASSIGNMENTS as readonly unknown[]).includes(
      m.get('stationAssignment'),
    )
      ? (m.get('stationAssignment') as StationAssignment)
      : null,
    participantExport: bool(m, 'participantExport'),
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
    locked: bool(m, 'locked'),
    privateWriting: bool(m, 'privateWriting'),
    waiting: num(m, 'waiting'),
    description: str(m, 'description'),
    station: typeof m.get('station') === 'number' ? (m.get('station') as number) : null,
  };
}

/**
 * A note with every field at its default (no prompt, no text, the default colour, no counts), as
 * `note.add` would make it, with `fields` laid over: the one place the shape of a new note is
 * spelled out.
 */
export function newNote(fields: Pick<Note, 'id' | 'x' | 'y'> & Partial<Note>): Note {
  return {
    promptId: null,
    text: '',
    color: DEFAULT_NOTE_COLOR,
    createdAt: 0,
    group: null,
    author: null,
    month: null,
    reactions: {},
    votes: {},
    cluster: null,
    editedByFacilitator: false,
    ...fields,
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
    group: strOrNull(m, 'group'),
    author: strOrNull(m, 'author'),
    month: typeof m.get('month') === 'number' ? (m.get('month') as number) : null,
    reactions: readCounts(m.get('reactions')) as Partial<Record<Reaction, number>>,
    votes: readCounts(m.get('votes')),
    cluster: strOrNull(m, 'cluster'),
    editedByFacilitator: m.get('editedByFacilitator') === true,
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

/** All vote rounds, oldest first. */
export function listRounds(doc: Y.Doc): VoteRound[] {
  const out: VoteRound[] = [];
  roundsMap(doc).forEach((r) => out.push(r));
  return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

/** All clusters, oldest first. */
export function listClusters(doc: Y.Doc): Cluster[] {
  const out: Cluster[] = [];
  clustersMap(doc).forEach((c) => out.push(c));
  return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

/** A plain snapshot of the whole board, for rendering, comparisons and exports. */
export interface BoardState {
  meta: BoardMeta;
  prompts: Prompt[];
  notes: Note[];
  rounds: VoteRound[];
  clusters: Cluster[];
}

export function readBoard(doc: Y.Doc): BoardState {
  return {
    meta: readMeta(doc),
    prompts: listPrompts(doc),
    notes: listNotes(doc),
    rounds: listRounds(doc),
    clusters: listClusters(doc),
  };
}
