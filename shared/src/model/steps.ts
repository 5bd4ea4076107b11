/**
 * Random workshops for the property tests: a board made from a template, and a sequence of steps —
 * commands by random actors, joins, and the clock moving on (which ends a running timer). Ids come
 * from small pools so commands meet each other's records: the same note is moved, hidden, voted
 * on and deleted, the same id is added again (as an undo does).
 */
import fc from 'fast-check';
import { NOTE_COLORS, REACTIONS, STATION_ASSIGNMENTS, TIMER_END_ACTIONS } from '../board.js';
import type { CommandInput } from '../commands.js';
import { PERMISSIONS } from '../permissions.js';
import { MAX_COORDINATE, MIN_PROMPT_SIZE, NOTE_SIZE } from '../limits.js';
import { LOCALES, TEMPLATE_IDS, type TemplateKind } from '../templates.js';

/** Records of each kind the commands pick from. */
export const POOL = { notes: 5, prompts: 3, rounds: 2, clusters: 2, participants: 5 } as const;
/** Groups participants join; `g1`–`g3` are the default groups, the rest is no group. */
const GROUPS = ['g1', 'g2', 'g3', null] as const;

/**
 * Pool kinds of stand-ins for records that exist when the step runs: the board's `k`-th prompt
 * (templates give theirs random ids no generator can know), note, offstage note and round. They let
 * most commands meet a record; pool ids make the rest miss.
 */
export const STAND_IN = { prompt: 's', note: 't', offstage: 'u', round: 'v' } as const;
export const STAND_INS_PER_KIND = 4;

/** A record id of the pool `kind`, in the form commands accept. */
export function poolId(kind: string, i: number): string {
  return `${kind}${i}`.padEnd(20, '0');
}
/** Participant ids are record ids, so `participant.remove` can name them. */
export function participantId(i: number): string {
  return poolId('q', i);
}

/** Who runs a step: the facilitator, the projector, or participant `i`. */
export type ActorRef = 'facilitator' | 'projector' | number;

export type Step =
  | { kind: 'command'; actor: ActorRef; command: CommandInput; advance: number }
  | { kind: 'join'; participant: number; group: (typeof GROUPS)[number]; advance: number }
  | { kind: 'tick'; advance: number };

export interface Workshop {
  template: TemplateKind;
  mode: 'anonymous' | 'named';
  groupThreshold: number;
  stations: number;
  assignment: (typeof STATION_ASSIGNMENTS)[number];
  /** Participant `i`'s group if they joined before the first step, or `late` if they did not. */
  joined: ((typeof GROUPS)[number] | 'late')[];
  steps: Step[];
}

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const standIn = (kind: string) =>
  fc.integer({ min: 0, max: STAND_INS_PER_KIND - 1 }).map((i) => poolId(kind, i));
const newNoteId = fc.integer({ min: 0, max: POOL.notes - 1 }).map((i) => poolId('n', i));
const noteId = fc.oneof(newNoteId, standIn(STAND_IN.note), standIn(STAND_IN.offstage));
/** A note mostly on the board, for the commands that only find notes there. */
const boardNoteId = fc.oneof(
  { arbitrary: standIn(STAND_IN.note), weight: 4 },
  { arbitrary: newNoteId, weight: 1 },
);
const promptId = fc.oneof(
  fc.integer({ min: 0, max: POOL.prompts - 1 }).map((i) => poolId('p', i)),
  standIn(STAND_IN.prompt),
);
const newRoundId = fc.integer({ min: 0, max: POOL.rounds - 1 }).map((i) => poolId('r', i));
const roundId = fc.oneof(
  { arbitrary: standIn(STAND_IN.round), weight: 3 },
  { arbitrary: newRoundId, weight: 1 },
);
const clusterId = fc.integer({ min: 0, max: POOL.clusters - 1 }).map((i) => poolId('c', i));
// Few places, so notes land in prompts, on their edges, on the open canvas and at the border.
const coord = pick([-400, 0, 90, 200, 400, 700, 1_500, MAX_COORDINATE - NOTE_SIZE, MAX_COORDINATE]);
const side = pick([MIN_PROMPT_SIZE, 400, 900]);
const text = pick(['', 'a', 'kiitos', 'x'.repeat(40)]);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const bool = fc.boolean();

/** Drops the keys whose value is undefined: the schemas are strict about what is present. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const voteStart = fc
  .record({
    roundId: newRoundId,
    dots: fc.integer({ min: 1, max: 4 }),
    maxPerNote: fc.integer({ min: 1, max: 3 }),
    promptIds: fc.option(fc.array(promptId, { minLength: 1, maxLength: 2 }), {
      nil: null,
      freq: 2,
    }),
    showTotals: bool,
    cap: fc.boolean(),
  })
  // Now and then more dots per note than in all, which the round refuses.
  .map(({ cap, ...c }) => ({
    type: 'vote.start' as const,
    ...c,
    maxPerNote: cap ? Math.min(c.maxPerNote, c.dots) : c.maxPerNote,
  }));

const commandArb: fc.Arbitrary<CommandInput> = fc.oneof(
  {
    arbitrary: fc
      .record({ id: newNoteId, x: coord, y: coord, text, color: opt(pick(NOTE_COLORS)) })
      .map((c) => defined({ type: 'note.add' as const, ...c })),
    weight: 10,
  },
  {
    arbitrary: fc
      .record({ id: noteId, x: coord, y: coord })
      .map((c) => ({ type: 'note.move' as const, ...c })),
    weight: 5,
  },
  {
    arbitrary: fc
      .record({ id: noteId, text: opt(text), color: opt(pick(NOTE_COLORS)) })
      .map((c) => defined({ type: 'note.update' as const, ...c })),
    weight: 4,
  },
  { arbitrary: noteId.map((id) => ({ type: 'note.delete' as const, id })), weight: 4 },
  { arbitrary: noteId.map((id) => ({ type: 'note.hide' as const, id })), weight: 4 },
  { arbitrary: noteId.map((id) => ({ type: 'note.unhide' as const, id })), weight: 4 },
  {
    arbitrary: fc
      .record({ id: promptId, x: coord, y: coord, w: side, h: side })
      .map((c) => ({ type: 'prompt.add' as const, title: 't', ...c })),
    weight: 3,
  },
  {
    arbitrary: fc
      .record({
        id: promptId,
        x: opt(coord),
        y: opt(coord),
        w: opt(side),
        h: opt(side),
        locked: opt(bool),
        privateWriting: opt(bool),
      })
      .map((c) => defined({ type: 'prompt.update' as const, ...c })),
    weight: 4,
  },
  { arbitrary: promptId.map((id) => ({ type: 'prompt.delete' as const, id })), weight: 1 },
  {
    arbitrary: fc
      .record({
        locked: opt(bool),
        privateWriting: opt(bool),
        groupThreshold: opt(fc.integer({ min: 1, max: 4 })),
        participantExport: opt(bool),
      })
      .map((c) => defined({ type: 'board.update' as const, ...c })),
    weight: 3,
  },
  {
    arbitrary: opt(promptId).map((promptId) =>
      defined({ type: 'board.reveal' as const, promptId }),
    ),
    weight: 2,
  },
  {
    arbitrary: fc.oneof(
      fc
        .integer({ min: 0, max: POOL.participants })
        .map((i) => ({ type: 'participant.remove' as const, participantId: participantId(i) })),
      noteId.map((noteId) => ({ type: 'participant.remove' as const, noteId })),
    ),
    weight: 1,
  },
  {
    arbitrary: fc
      .record({ durationMs: pick([1_000, 60_000]), onEnd: opt(pick(TIMER_END_ACTIONS)) })
      .map((c) => defined({ type: 'timer.set' as const, ...c })),
    weight: 2,
  },
  {
    arbitrary: pick(['A', 'b']).map((c) => ({
      type: 'board.rotateKey' as const,
      key: c.repeat(43),
    })),
    weight: 1,
  },
  {
    arbitrary: pick(['timer.start', 'timer.pause', 'timer.stop'] as const).map((type) => ({
      type,
    })),
    weight: 2,
  },
  {
    arbitrary: pick([-60_000, 1_000, 60_000]).map((ms) => ({ type: 'timer.addTime' as const, ms })),
    weight: 1,
  },
  { arbitrary: voteStart, weight: 5 },
  {
    arbitrary: fc
      .record({ roundId, noteId: boardNoteId })
      .map((c) => ({ type: 'vote.cast' as const, ...c })),
    weight: 10,
  },
  {
    arbitrary: fc
      .record({ roundId, noteId: boardNoteId })
      .map((c) => ({ type: 'vote.retract' as const, ...c })),
    weight: 4,
  },
  { arbitrary: roundId.map((roundId) => ({ type: 'vote.end' as const, roundId })), weight: 1 },
  {
    arbitrary: fc
      .record({ noteId: boardNoteId, reaction: pick(REACTIONS) })
      .map((c) => ({ type: 'reaction.toggle' as const, ...c })),
    weight: 6,
  },
  {
    arbitrary: fc
      .array(fc.record({ id: noteId, x: coord, y: coord }), { minLength: 1, maxLength: 3 })
      .map((moves) => ({ type: 'notes.move' as const, moves })),
    weight: 1,
  },
  {
    arbitrary: fc
      .record({ ids: fc.array(noteId, { minLength: 1, maxLength: 3 }), color: pick(NOTE_COLORS) })
      .map((c) => ({ type: 'notes.update' as const, ...c })),
    weight: 1,
  },
  {
    arbitrary: fc
      .record({ id: clusterId, noteIds: fc.array(noteId, { maxLength: 3 }) })
      .map((c) => ({ type: 'cluster.add' as const, label: 'c', ...c })),
    weight: 1,
  },
  {
    arbitrary: clusterId.map((id) => ({ type: 'cluster.update' as const, id, label: 'd' })),
    weight: 1,
  },
  { arbitrary: clusterId.map((id) => ({ type: 'cluster.delete' as const, id })), weight: 1 },
  {
    arbitrary: fc
      .record({ mode: pick(['off', 'view', 'prompt'] as const), promptId: opt(promptId) })
      .map((c) => defined({ type: 'follow.set' as const, ...c })),
    weight: 1,
  },
  {
    arbitrary: fc
      .record({
        template: pick(TEMPLATE_IDS),
        locale: pick(LOCALES),
        x: coord,
        y: coord,
        stations: opt(fc.integer({ min: 2, max: 3 })),
        assignment: opt(pick(STATION_ASSIGNMENTS)),
      })
      .map((c) => defined({ type: 'template.insert' as const, ...c })),
    weight: 1,
  },
  {
    arbitrary: promptId.map((promptId) => ({ type: 'station.choose' as const, promptId })),
    weight: 1,
  },
);

const participant = fc.integer({ min: 0, max: POOL.participants - 1 });
const anyActor: fc.Arbitrary<ActorRef> = fc.oneof(
  { arbitrary: fc.constant('facilitator' as const), weight: 3 },
  { arbitrary: fc.constant('projector' as const), weight: 1 },
  { arbitrary: participant, weight: 6 },
);

/**
 * Mostly someone the permission table lets run the command, so runs get past the first check;
 * otherwise anyone, so refusals by role are met too.
 */
const commandStep = fc
  .record({ command: commandArb, p: participant, any: anyActor, plausible: fc.nat(9) })
  .map(({ command, p, any, plausible }) => {
    const grants = PERMISSIONS[command.type];
    let actor: ActorRef = any;
    if (plausible < 8) {
      if (grants.participant === 'never') actor = 'facilitator';
      else if (grants.facilitator === 'never') actor = p;
      else actor = plausible < 4 ? 'facilitator' : p;
    }
    return { command, actor };
  });
// Mostly moments apart; now and then long enough for a timer to run out.
const advance = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 2_000 }), weight: 9 },
  { arbitrary: fc.constant(61_000), weight: 1 },
);

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc
      .record({ c: commandStep, advance })
      .map(({ c, advance }) => ({ kind: 'command' as const, ...c, advance })),
    weight: 12,
  },
  {
    arbitrary: fc
      .record({ participant, group: pick(GROUPS), advance })
      .map((s) => ({ kind: 'join' as const, ...s })),
    weight: 2,
  },
  { arbitrary: advance.map((a) => ({ kind: 'tick' as const, advance: a })), weight: 1 },
);

/** A workshop: how the board starts, and up to `maxSteps` steps. */
export function workshopArb(maxSteps: number): fc.Arbitrary<Workshop> {
  return fc
    .record({
      template: pick(TEMPLATE_IDS),
      mode: pick(['anonymous', 'named'] as const),
      groupThreshold: fc.integer({ min: 1, max: 3 }),
      stations: fc.integer({ min: 2, max: 3 }),
      assignment: pick(STATION_ASSIGNMENTS),
      joined: fc.array(fc.oneof(pick(GROUPS), fc.constant('late' as const)), {
        minLength: POOL.participants,
        maxLength: POOL.participants,
      }),
      // `size: 'max'` lets runs be as long as allowed, not only as long as fast-check's default.
      // A round or two opened early, so that votes meet a running round.
      opening: fc.array(
        voteStart.map((command) => ({
          kind: 'command' as const,
          actor: 'facilitator' as const,
          command,
          advance: 0,
        })),
        { maxLength: 2 },
      ),
      steps: fc.array(stepArb, { maxLength: maxSteps, size: 'max' }),
    })
    .map(({ opening, ...w }) => ({ ...w, steps: [...opening, ...w.steps] }));
}

/**
 * Workshops made of what decides what a note shows of its author and its edits, densely: joins
 * into few groups, participants' notes (some in private writing), removals, threshold changes,
 * reveals, hides, unhides and edits. Most
 * participants join during the run, so groups cross the threshold between one note and the next.
 */
export function groupTagWorkshopArb(maxSteps: number): fc.Arbitrary<Workshop> {
  const by = (c: fc.Arbitrary<CommandInput>, actor: fc.Arbitrary<ActorRef>) =>
    fc.record({ command: c, actor, advance });
  const facilitator = fc.constant('facilitator' as const);
  const tagStep: fc.Arbitrary<Step> = fc.oneof(
    {
      arbitrary: fc
        .record({ participant, group: pick(['g1', 'g2', null] as const), advance })
        .map((s) => ({ kind: 'join' as const, ...s })),
      weight: 4,
    },
    {
      arbitrary: by(
        fc
          .record({ id: newNoteId, x: coord, y: coord, text })
          .map((c) => ({ type: 'note.add' as const, ...c })),
        participant,
      ).map((s) => ({ kind: 'command' as const, ...s })),
      weight: 6,
    },
    {
      arbitrary: by(
        fc
          .record({
            groupThreshold: opt(fc.integer({ min: 1, max: 4 })),
            privateWriting: opt(bool),
          })
          .map((c) => defined({ type: 'board.update' as const, ...c })),
        facilitator,
      ).map((s) => ({ kind: 'command' as const, ...s })),
      weight: 2,
    },
    {
      arbitrary: by(
        fc.oneof(
          participant.map((i) => ({
            type: 'participant.remove' as const,
            participantId: participantId(i),
          })),
          boardNoteId.map((id) => ({ type: 'note.hide' as const, id })),
          standIn(STAND_IN.offstage).map((id) => ({ type: 'note.unhide' as const, id })),
          fc.constant({ type: 'board.reveal' as const }),
          boardNoteId.map((id) => ({ type: 'note.delete' as const, id })),
        ),
        facilitator,
      ).map((s) => ({ kind: 'command' as const, ...s })),
      weight: 2,
    },
    {
      // Edits by the facilitator and by participants (authors or not), which mark a note or not.
      arbitrary: by(
        fc.record({ id: boardNoteId, text }).map((c) => ({ type: 'note.update' as const, ...c })),
        fc.oneof(facilitator, participant),
      ).map((s) => ({ kind: 'command' as const, ...s })),
      weight: 2,
    },
  );
  return fc.record({
    template: pick(TEMPLATE_IDS),
    mode: pick(['anonymous', 'named'] as const),
    groupThreshold: fc.integer({ min: 1, max: 4 }),
    stations: fc.constant(2),
    assignment: pick(STATION_ASSIGNMENTS),
    joined: fc.array(
      fc.oneof(
        { arbitrary: fc.constant('late' as const), weight: 3 },
        { arbitrary: pick(['g1', 'g2', null] as const), weight: 1 },
      ),
      { minLength: POOL.participants, maxLength: POOL.participants },
    ),
    steps: fc.array(tagStep, { maxLength: maxSteps, size: 'max' }),
  });
}
