/**
 * The inputs of the command target: arbitraries built per command type from the schemas in shared
 * (`COMMAND_SCHEMAS`), each sometimes mutated (wrong types, extra and prototype keys, dropped
 * fields, huge arrays, deep nesting, NaN-like strings, unnormalised Unicode, broken envelopes),
 * and who sends each one. `commands.ts` sends them.
 */
import fc from 'fast-check';
import {
  COMMAND_TYPES,
  LOCALES,
  MAX_BOARD_TITLE_LENGTH,
  MAX_BULK_NOTES,
  MAX_COORDINATE,
  MAX_DOTS_PER_ROUND,
  MAX_LABEL_LENGTH,
  MAX_NOTE_TEXT_LENGTH,
  MAX_PROMPT_SIZE,
  MAX_PROMPT_TITLE_LENGTH,
  MAX_TIMER_MS,
  MAX_ZOOM,
  MIN_PROMPT_SIZE,
  MIN_ZOOM,
  NOTE_COLORS,
  REACTIONS,
  STATION_ASSIGNMENTS,
  TEMPLATE_IDS,
  TIMER_END_ACTIONS,
  type CommandType,
} from '@pajataulu/shared';
import { Prng } from '../rng.js';

/** Who sends a command. */
export type Sender =
  'play-facilitator' | 'play-participant' | 'canary-projector' | 'canary-participant';
export const SENDERS: readonly Sender[] = [
  'play-facilitator',
  'play-participant',
  'canary-projector',
  'canary-participant',
];

export interface CommandInput {
  to: Sender;
  envelope: unknown;
}

/** Record ids from a small fixed set, so commands often name records that exist. */
function recordId(kind: string, i: number): string {
  return (kind + String(i)).padEnd(20, '0').slice(0, 20);
}
const ids = (kind: string, n: number) =>
  fc.integer({ min: 0, max: n - 1 }).map((i) => recordId(kind, i));
const noteId = ids('n', 64);
const promptId = ids('p', 16);
const roundId = ids('r', 8);
const clusterId = ids('c', 8);

/** Characters that NFC turns into longer strings (U+FB2C becomes three code units). */
const EXPANDING = ['\uFB2C', '\u0958', '\u1E9B\u0323', '\u0344'];

const text = (max: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: Math.min(40, max) }) },
    fc.string({ unit: 'grapheme', maxLength: Math.min(40, max) }),
    fc.constantFrom(...EXPANDING).map((c) => c.repeat(Math.floor(max / c.length))),
    fc.constant('e\u0301'.repeat(Math.floor(max / 2))),
    fc.constant('\u0000\u0007\u001b[31m\u202e\ud800'),
    fc.constant('x'.repeat(max)),
    fc.constant('x'.repeat(max + 1)),
    fc.constantFrom('=HYPERLINK("http://x")', '+1+1', '-2', '@SUM(A1)', '\t=1', '\r=1'),
  );

const coordinate = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3_000, max: 3_000 }) },
  fc.double({ min: -MAX_COORDINATE, max: MAX_COORDINATE, noNaN: true }),
  fc.constantFrom(MAX_COORDINATE, -MAX_COORDINATE, 0, -0, 5e-324),
);
const side = fc.oneof(
  fc.integer({ min: MIN_PROMPT_SIZE, max: 2_000 }),
  fc.constantFrom(MIN_PROMPT_SIZE, MAX_PROMPT_SIZE),
);
const color = fc.constantFrom(...NOTE_COLORS);
const opt = <T extends Record<string, fc.Arbitrary<unknown>>>(
  type: string,
  req: string[],
  model: T,
) =>
  fc.record({ type: fc.constant(type), ...model }, { requiredKeys: ['type', ...req] as never[] });

/** One arbitrary per command type, shaped like its schema in shared. */
const COMMAND_ARBS: Record<CommandType, fc.Arbitrary<Record<string, unknown>>> = {
  'note.add': opt('note.add', ['id', 'x', 'y'], {
    id: noteId,
    x: coordinate,
    y: coordinate,
    text: text(MAX_NOTE_TEXT_LENGTH),
    color,
  }),
  'note.move': opt('note.move', ['id', 'x', 'y'], { id: noteId, x: coordinate, y: coordinate }),
  'note.update': opt('note.update', ['id'], {
    id: noteId,
    text: text(MAX_NOTE_TEXT_LENGTH),
    color,
  }),
  'note.delete': opt('note.delete', ['id'], { id: noteId }),
  'prompt.add': opt('prompt.add', ['id', 'title', 'x', 'y', 'w', 'h'], {
    id: promptId,
    title: text(MAX_PROMPT_TITLE_LENGTH),
    x: coordinate,
    y: coordinate,
    w: side,
    h: side,
  }),
  'prompt.update': opt('prompt.update', ['id'], {
    id: promptId,
    title: text(MAX_PROMPT_TITLE_LENGTH),
    x: coordinate,
    y: coordinate,
    w: side,
    h: side,
    locked: fc.boolean(),
    privateWriting: fc.boolean(),
  }),
  'prompt.delete': opt('prompt.delete', ['id'], { id: promptId }),
  'note.hide': opt('note.hide', ['id'], { id: noteId }),
  'note.unhide': opt('note.unhide', ['id'], { id: noteId }),
  'board.update': opt('board.update', [], {
    title: text(MAX_BOARD_TITLE_LENGTH),
    locked: fc.boolean(),
    privateWriting: fc.boolean(),
    groupThreshold: fc.integer({ min: 1, max: 60 }),
    participantExport: fc.boolean(),
  }),
  'board.reveal': opt('board.reveal', [], { promptId }),
  'board.rotateKey': opt('board.rotateKey', ['key'], {
    key: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  }),
  'participant.remove': fc.oneof(
    opt('participant.remove', ['noteId'], { noteId }),
    opt('participant.remove', ['participantId'], { participantId: ids('x', 4) }),
  ),
  'timer.set': opt('timer.set', ['durationMs'], {
    durationMs: fc.oneof(
      fc.integer({ min: 1_000, max: MAX_TIMER_MS }),
      fc.constantFrom(999, MAX_TIMER_MS + 1),
    ),
    onEnd: fc.constantFrom(...TIMER_END_ACTIONS),
    sound: fc.boolean(),
  }),
  'timer.start': opt('timer.start', [], {}),
  'timer.pause': opt('timer.pause', [], {}),
  'timer.stop': opt('timer.stop', [], {}),
  'timer.addTime': opt('timer.addTime', [], {
    ms: fc.integer({ min: -MAX_TIMER_MS, max: MAX_TIMER_MS }),
  }),
  'vote.start': opt('vote.start', ['roundId', 'dots', 'maxPerNote'], {
    roundId,
    label: text(MAX_LABEL_LENGTH),
    dots: fc.integer({ min: 1, max: MAX_DOTS_PER_ROUND }),
    maxPerNote: fc.integer({ min: 1, max: MAX_DOTS_PER_ROUND }),
    promptIds: fc.option(fc.array(promptId, { maxLength: 4 })),
    showTotals: fc.boolean(),
  }),
  'vote.cast': opt('vote.cast', ['roundId', 'noteId'], { roundId, noteId }),
  'vote.retract': opt('vote.retract', ['roundId', 'noteId'], { roundId, noteId }),
  'vote.end': opt('vote.end', ['roundId'], { roundId }),
  'reaction.toggle': opt('reaction.toggle', ['noteId', 'reaction'], {
    noteId,
    reaction: fc.constantFrom(...REACTIONS),
  }),
  'notes.move': opt('notes.move', ['moves'], {
    moves: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.array(fc.record({ id: noteId, x: coordinate, y: coordinate }), {
          minLength: 1,
          maxLength: 8,
        }),
      },
      fc
        .integer({ min: 100, max: MAX_BULK_NOTES })
        .map((n) =>
          Array.from({ length: n }, (_, i) => ({ id: recordId('n', i % 64), x: i * 1.5, y: -i })),
        ),
    ),
  }),
  'notes.update': opt('notes.update', ['ids', 'color'], {
    ids: fc.array(noteId, { minLength: 1, maxLength: 16 }),
    color,
  }),
  'cluster.add': opt('cluster.add', ['id', 'label', 'noteIds'], {
    id: clusterId,
    label: text(MAX_LABEL_LENGTH),
    noteIds: fc.array(noteId, { maxLength: 8 }),
  }),
  'cluster.update': opt('cluster.update', ['id', 'label'], {
    id: clusterId,
    label: text(MAX_LABEL_LENGTH),
  }),
  'cluster.delete': opt('cluster.delete', ['id'], { id: clusterId }),
  'follow.set': opt('follow.set', ['mode'], {
    mode: fc.constantFrom('off', 'view', 'prompt'),
    x: coordinate,
    y: coordinate,
    zoom: fc.double({ min: MIN_ZOOM, max: MAX_ZOOM, noNaN: true }),
    promptId,
  }),
  'template.insert': opt('template.insert', ['template', 'locale', 'x', 'y'], {
    template: fc.constantFrom(...TEMPLATE_IDS),
    locale: fc.constantFrom(...LOCALES),
    x: coordinate,
    y: coordinate,
    stations: fc.integer({ min: 1, max: 13 }),
    assignment: fc.constantFrom(...STATION_ASSIGNMENTS),
  }),
  'station.choose': opt('station.choose', ['promptId'], { promptId }),
};

/** Commands that change the board a lot or end the session are sent less often. */
const RARE: ReadonlySet<CommandType> = new Set([
  'board.rotateKey',
  'participant.remove',
  'template.insert',
  'prompt.delete',
]);

const command = fc.oneof(
  ...COMMAND_TYPES.map((t) => ({ weight: RARE.has(t) ? 1 : 8, arbitrary: COMMAND_ARBS[t] })),
);

const WRONG_VALUES: unknown[] = [
  null,
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  '0x10',
  '',
  '__proto__',
  [],
  {},
  true,
  1e308,
  -1e308,
  2 ** 53 + 1,
  -1,
  0.5,
  '\u0000',
  'A'.repeat(70),
  'note.add',
];
const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
];

/** A mutation of a command, applied deterministically from its seed. */
type Mutation =
  | { m: 'none' }
  | { m: 'wrong-type'; seed: number }
  | { m: 'extra-field'; seed: number }
  | { m: 'drop-field'; seed: number }
  | { m: 'huge-array'; n: number; seed: number }
  | { m: 'deep'; depth: number; seed: number }
  | { m: 'type-name'; seed: number }
  | { m: 'envelope'; seed: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ m: 'none' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ m: fc.constant('wrong-type' as const), seed: fc.integer() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ m: fc.constant('extra-field' as const), seed: fc.integer() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ m: fc.constant('drop-field' as const), seed: fc.integer() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      m: fc.constant('huge-array' as const),
      n: fc.integer({ min: 501, max: 6_000 }),
      seed: fc.integer(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      m: fc.constant('deep' as const),
      depth: fc.integer({ min: 10, max: 1_500 }),
      seed: fc.integer(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ m: fc.constant('type-name' as const), seed: fc.integer() }) },
  { weight: 2, arbitrary: fc.record({ m: fc.constant('envelope' as const), seed: fc.integer() }) },
);

function ownKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  // `obj.__proto__ = v` would set the prototype; a prototype key must be an own property.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** The envelope a command and a mutation make. */
export function mutate(cmd: Record<string, unknown>, id: string, mu: Mutation): unknown {
  const c: Record<string, unknown> = { ...cmd };
  const keys = Object.keys(c);
  const env: Record<string, unknown> = { id, command: c };
  if (mu.m === 'none') return env;
  const prng = new Prng(mu.seed);
  const key = prng.pick(keys);
  switch (mu.m) {
    case 'wrong-type':
      c[prng.int(3) === 0 ? 'type' : key] = prng.pick(WRONG_VALUES);
      break;
    case 'extra-field':
      ownKey(c, prng.pick([...PROTO_KEYS, 'extra', 'Type', 'id ']), prng.pick(WRONG_VALUES));
      break;
    case 'drop-field':
      delete c[key];
      break;
    case 'huge-array':
      c[key === 'type' ? 'ids' : key] = Array.from({ length: mu.n }, (_, i) =>
        recordId('n', i % 64),
      );
      break;
    case 'deep':
      c[key] = nested(mu.depth);
      break;
    case 'type-name':
      c['type'] = prng.pick([
        'NOTE.ADD',
        'note.add\u0000',
        ' note.add',
        'note.ad\u0064\u0301',
        '__proto__',
        'constructor',
        'hasOwnProperty',
        'toString',
        'note',
        'notes.move.x',
      ]);
      break;
    case 'envelope':
      return prng.pick<unknown>([
        'note.add',
        42,
        null,
        [env],
        { id },
        { command: c },
        { id: 'short', command: c },
        { id: 'x'.repeat(65), command: c },
        { id: 'ä'.repeat(10), command: c },
        { id, command: [c] },
        { id, command: 'note.add' },
        { id, command: c, extra: 1 },
        JSON.parse(
          `{"id":${JSON.stringify(id)},"command":${JSON.stringify(c)},"__proto__":{"ok":true}}`,
        ),
      ]);
  }
  return env;
}

const commandId = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{8,24}$/) },
  // Repeated ids: retries must change nothing twice.
  fc.constantFrom('retry-retry-1', 'retry-retry-2', 'retry-retry-3'),
);

export function commandInputs(): fc.Arbitrary<CommandInput> {
  return fc
    .tuple(fc.constantFrom(...SENDERS), command, commandId, mutation)
    .map(([to, cmd, id, mu]) => ({ to, envelope: mutate(cmd, id, mu) }));
}
