/**
 * Commands: the only way anything on a board changes. A client sends a {@link CommandEnvelope}
 * over socket.io; the server parses it with {@link parseEnvelope}, authorises it
 * (`permissions.ts`) and applies it (`apply.ts`).
 */
import { z } from 'zod';
import { NOTE_COLORS, REACTIONS, STATION_ASSIGNMENTS, TIMER_END_ACTIONS } from './board.js';
import { LOCALES, MAX_STATIONS, MIN_STATIONS, TEMPLATE_IDS } from './templates.js';
import {
  MAX_BOARD_TITLE_LENGTH,
  MAX_COMMAND_ID_LENGTH,
  MAX_COORDINATE,
  MAX_NOTE_TEXT_LENGTH,
  MAX_PROMPT_SIZE,
  MAX_BULK_NOTES,
  MAX_MOVES_PER_COMMAND,
  MAX_DOTS_PER_ROUND,
  MAX_GROUP_THRESHOLD,
  MAX_LABEL_LENGTH,
  MAX_PROMPTS_PER_BOARD,
  MAX_PROMPT_TITLE_LENGTH,
  MAX_TIMER_MS,
  MAX_ZOOM,
  MIN_ZOOM,
  MIN_COMMAND_ID_LENGTH,
  MIN_GROUP_THRESHOLD,
  MIN_PROMPT_SIZE,
} from './limits.js';
import { RECORD_ID_PATTERN } from './ids.js';
import { ErrorCode, type ProtocolError } from './protocol.js';
import { boundedText } from './text.js';

export { normalizeText } from './text.js';

const recordId = z.string().regex(RECORD_ID_PATTERN, 'a 20-character base-36 id');
const coordinate = z.number().finite().min(-MAX_COORDINATE).max(MAX_COORDINATE);
const promptSide = z.number().finite().min(MIN_PROMPT_SIZE).max(MAX_PROMPT_SIZE);
const noteText = boundedText(MAX_NOTE_TEXT_LENGTH);
const promptTitle = boundedText(MAX_PROMPT_TITLE_LENGTH);
const boardTitle = boundedText(MAX_BOARD_TITLE_LENGTH);
const noteColor = z.enum(NOTE_COLORS);

export const NoteAdd = z.strictObject({
  type: z.literal('note.add'),
  id: recordId,
  x: coordinate,
  y: coordinate,
  text: noteText.default(''),
  color: noteColor.optional(),
});
export const NoteMove = z.strictObject({
  type: z.literal('note.move'),
  id: recordId,
  x: coordinate,
  y: coordinate,
});
export const NoteUpdate = z.strictObject({
  type: z.literal('note.update'),
  id: recordId,
  text: noteText.optional(),
  color: noteColor.optional(),
});
export const NoteDelete = z.strictObject({ type: z.literal('note.delete'), id: recordId });

export const PromptAdd = z.strictObject({
  type: z.literal('prompt.add'),
  id: recordId,
  title: promptTitle,
  x: coordinate,
  y: coordinate,
  w: promptSide,
  h: promptSide,
});
export const PromptUpdate = z.strictObject({
  type: z.literal('prompt.update'),
  id: recordId,
  title: promptTitle.optional(),
  x: coordinate.optional(),
  y: coordinate.optional(),
  w: promptSide.optional(),
  h: promptSide.optional(),
  /** Participants can no longer add, move or change notes here. */
  locked: z.boolean().optional(),
  /** Turning it on hides new notes until a reveal; turning it off reveals what waits. */
  privateWriting: z.boolean().optional(),
});
export const PromptDelete = z.strictObject({ type: z.literal('prompt.delete'), id: recordId });

export const NoteHide = z.strictObject({ type: z.literal('note.hide'), id: recordId });
export const NoteUnhide = z.strictObject({ type: z.literal('note.unhide'), id: recordId });

export const BoardUpdate = z.strictObject({
  type: z.literal('board.update'),
  title: boardTitle.optional(),
  locked: z.boolean().optional(),
  privateWriting: z.boolean().optional(),
  groupThreshold: z.number().int().min(MIN_GROUP_THRESHOLD).max(MAX_GROUP_THRESHOLD).optional(),
  /** Whether participants may save the board as an image. */
  participantExport: z.boolean().optional(),
});

/** Reveals the private notes of one prompt, or of the whole board when no prompt is named. */
export const BoardReveal = z.strictObject({
  type: z.literal('board.reveal'),
  promptId: recordId.optional(),
});

/** Removes a participant (by id, or as the author of a note, without learning who that is). */
export const ParticipantRemove = z.union([
  z.strictObject({ type: z.literal('participant.remove'), participantId: recordId }),
  z.strictObject({ type: z.literal('participant.remove'), noteId: recordId }),
]);

/**
 * Replaces the facilitator key with `key`, a new secret the client made (see `newSecret`), so a
 * retry after a lost acknowledgement cannot lose it. Links with the old key stop working at once.
 */
export const BoardRotateKey = z.strictObject({
  type: z.literal('board.rotateKey'),
  key: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a 43-character base64url secret'),
});

const label = boundedText(MAX_LABEL_LENGTH);

export const TimerSet = z.strictObject({
  type: z.literal('timer.set'),
  durationMs: z.number().int().min(1_000).max(MAX_TIMER_MS),
  onEnd: z.enum(TIMER_END_ACTIONS).optional(),
  sound: z.boolean().optional(),
});
export const TimerStart = z.strictObject({ type: z.literal('timer.start') });
export const TimerPause = z.strictObject({ type: z.literal('timer.pause') });
export const TimerStop = z.strictObject({ type: z.literal('timer.stop') });
/** Adds (or with a negative value, takes) time; a minute by default. */
export const TimerAddTime = z.strictObject({
  type: z.literal('timer.addTime'),
  ms: z.number().int().min(-MAX_TIMER_MS).max(MAX_TIMER_MS).default(60_000),
});

export const VoteStart = z.strictObject({
  type: z.literal('vote.start'),
  roundId: recordId,
  label: label.default(''),
  dots: z.number().int().min(1).max(MAX_DOTS_PER_ROUND),
  maxPerNote: z.number().int().min(1).max(MAX_DOTS_PER_ROUND),
  promptIds: z.array(recordId).max(MAX_PROMPTS_PER_BOARD).nullable().default(null),
  showTotals: z.boolean().default(false),
});
export const VoteCast = z.strictObject({
  type: z.literal('vote.cast'),
  roundId: recordId,
  noteId: recordId,
});
export const VoteRetract = z.strictObject({
  type: z.literal('vote.retract'),
  roundId: recordId,
  noteId: recordId,
});
export const VoteEnd = z.strictObject({ type: z.literal('vote.end'), roundId: recordId });

export const ReactionToggle = z.strictObject({
  type: z.literal('reaction.toggle'),
  noteId: recordId,
  reaction: z.enum(REACTIONS),
});

export const NotesMove = z.strictObject({
  type: z.literal('notes.move'),
  moves: z
    .array(z.strictObject({ id: recordId, x: coordinate, y: coordinate }))
    .min(1)
    .max(MAX_MOVES_PER_COMMAND),
});

/** Moves of any number of notes as `notes.move` commands that each fit in a message. */
export function notesMoveCommands(
  moves: readonly { id: string; x: number; y: number }[],
): CommandOf<'notes.move'>[] {
  const out: CommandOf<'notes.move'>[] = [];
  for (let i = 0; i < moves.length; i += MAX_MOVES_PER_COMMAND)
    out.push({ type: 'notes.move', moves: moves.slice(i, i + MAX_MOVES_PER_COMMAND) });
  return out;
}

/** A colour change of any number of notes as `notes.update` commands within the bulk limit. */
export function notesUpdateCommands(
  ids: readonly string[],
  color: z.output<typeof noteColor>,
): CommandOf<'notes.update'>[] {
  const out: CommandOf<'notes.update'>[] = [];
  for (let i = 0; i < ids.length; i += MAX_BULK_NOTES)
    out.push({ type: 'notes.update', ids: ids.slice(i, i + MAX_BULK_NOTES), color });
  return out;
}
export const NotesUpdate = z.strictObject({
  type: z.literal('notes.update'),
  ids: z.array(recordId).min(1).max(MAX_BULK_NOTES),
  color: noteColor,
});

export const ClusterAdd = z.strictObject({
  type: z.literal('cluster.add'),
  id: recordId,
  label,
  noteIds: z.array(recordId).max(MAX_BULK_NOTES),
});
export const ClusterUpdate = z.strictObject({
  type: z.literal('cluster.update'),
  id: recordId,
  label,
});
export const ClusterDelete = z.strictObject({ type: z.literal('cluster.delete'), id: recordId });

export const FollowSet = z.strictObject({
  type: z.literal('follow.set'),
  mode: z.enum(['off', 'view', 'prompt']),
  x: coordinate.optional(),
  y: coordinate.optional(),
  zoom: z.number().min(MIN_ZOOM).max(MAX_ZOOM).optional(),
  promptId: recordId.optional(),
});

export const TemplateInsert = z.strictObject({
  type: z.literal('template.insert'),
  template: z.enum(TEMPLATE_IDS),
  locale: z.enum(LOCALES),
  x: coordinate,
  y: coordinate,
  stations: z.number().int().min(MIN_STATIONS).max(MAX_STATIONS).optional(),
  assignment: z.enum(STATION_ASSIGNMENTS).optional(),
});

/** A participant picks a station, where the board lets participants choose. */
export const StationChoose = z.strictObject({
  type: z.literal('station.choose'),
  promptId: recordId,
});

/** Every command, keyed by its type. */
export const COMMAND_SCHEMAS = {
  'note.add': NoteAdd,
  'note.move': NoteMove,
  'note.update': NoteUpdate,
  'note.delete': NoteDelete,
  'prompt.add': PromptAdd,
  'prompt.update': PromptUpdate,
  'prompt.delete': PromptDelete,
  'note.hide': NoteHide,
  'note.unhide': NoteUnhide,
  'board.update': BoardUpdate,
  'board.reveal': BoardReveal,
  'board.rotateKey': BoardRotateKey,
  'participant.remove': ParticipantRemove,
  'timer.set': TimerSet,
  'timer.start': TimerStart,
  'timer.pause': TimerPause,
  'timer.stop': TimerStop,
  'timer.addTime': TimerAddTime,
  'vote.start': VoteStart,
  'vote.cast': VoteCast,
  'vote.retract': VoteRetract,
  'vote.end': VoteEnd,
  'reaction.toggle': ReactionToggle,
  'notes.move': NotesMove,
  'notes.update': NotesUpdate,
  'cluster.add': ClusterAdd,
  'cluster.update': ClusterUpdate,
  'cluster.delete': ClusterDelete,
  'follow.set': FollowSet,
  'template.insert': TemplateInsert,
  'station.choose': StationChoose,
} as const;

export type CommandType = keyof typeof COMMAND_SCHEMAS;
export const COMMAND_TYPES = Object.keys(COMMAND_SCHEMAS) as CommandType[];

export type Command = {
  [K in CommandType]: z.output<(typeof COMMAND_SCHEMAS)[K]>;
}[CommandType];
/** What a client may send for a command (defaults not yet filled in). */
export type CommandInput = {
  [K in CommandType]: z.input<(typeof COMMAND_SCHEMAS)[K]>;
}[CommandType];
export type CommandOf<K extends CommandType> = Extract<Command, { type: K }>;

/** Command ids are made by the client; a retry reuses the id. */
export const COMMAND_ID_PATTERN = new RegExp(
  `^[A-Za-z0-9_-]{${MIN_COMMAND_ID_LENGTH},${MAX_COMMAND_ID_LENGTH}}$`,
);

export interface CommandEnvelope {
  /** Client-made id; the server applies a given id at most once per session. */
  id: string;
  command: Command;
}

export type ParseResult =
  { ok: true; envelope: CommandEnvelope } | { ok: false; error: ProtocolError; id?: string };

function isCommandType(t: unknown): t is CommandType {
  return typeof t === 'string' && Object.hasOwn(COMMAND_SCHEMAS, t);
}

const TEXT_FIELDS = new Set(['text', 'title', 'label']);

/**
 * Parses an untrusted message into a command envelope, or a typed error saying what is wrong.
 * Never throws.
 */
export function parseEnvelope(raw: unknown): ParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail(ErrorCode.InvalidMessage, 'a command envelope must be an object');
  }
  const { id, command } = raw as { id?: unknown; command?: unknown };
  if (typeof id !== 'string' || !COMMAND_ID_PATTERN.test(id)) {
    return fail(ErrorCode.InvalidMessage, `id must match ${COMMAND_ID_PATTERN.source}`);
  }
  if (typeof command !== 'object' || command === null || Array.isArray(command)) {
    return fail(ErrorCode.InvalidMessage, 'command must be an object', id);
  }
  const type = (command as { type?: unknown }).type;
  if (!isCommandType(type)) {
    return fail(ErrorCode.UnknownCommand, `unknown command type ${JSON.stringify(type)}`, id);
  }
  const parsed = COMMAND_SCHEMAS[type].safeParse(command);
  if (!parsed.success) {
    const tooLong = parsed.error.issues.find(
      (i) => i.code === 'too_big' && TEXT_FIELDS.has(String(i.path[0])),
    );
    if (tooLong) {
      return fail(ErrorCode.TextTooLong, `${String(tooLong.path[0])}: ${tooLong.message}`, id);
    }
    const first = parsed.error.issues[0];
    const where = first ? first.path.join('.') || '(command)' : '(command)';
    return fail(ErrorCode.InvalidCommand, `${type} ${where}: ${first?.message ?? 'invalid'}`, id);
  }
  // Text fields arrive normalised: the schemas normalise before they check a length.
  return { ok: true, envelope: { id, command: parsed.data as Command } };
}

function fail(code: ErrorCode, message: string, id?: string): ParseResult {
  return id === undefined
    ? { ok: false, error: { code, message } }
    : { ok: false, error: { code, message }, id };
}
