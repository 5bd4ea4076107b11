/**
 * Workshops that once broke a property, shrunk to the steps that matter. Each runs in
 * `model.test.ts` by name and must pass; they keep their meaning when the generators change,
 * which a seed would not.
 */
import type { Workshop } from './steps.js';

export interface ModelRegression {
  name: string;
  /** What was wrong, in one line. */
  description: string;
  workshop: Workshop;
}

/** A blank anonymous board with everyone joined (or, with `late`, nobody), and these steps. */
function workshop(
  steps: Workshop['steps'],
  o: { joined?: 'late'; groupThreshold?: number } = {},
): Workshop {
  const joined =
    o.joined === 'late' ? Array<'late'>(5).fill('late') : ['g1', 'g1', 'g2', null, 'g1'];
  return {
    template: 'blank',
    mode: 'anonymous',
    groupThreshold: o.groupThreshold ?? 3,
    stations: 2,
    assignment: 'self',
    joined: joined as Workshop['joined'],
    steps,
  };
}
const note = (i: number) => `n${i}`.padEnd(20, '0');
const round = (i: number) => `r${i}`.padEnd(20, '0');

export const MODEL_REGRESSIONS: ModelRegression[] = [
  {
    name: 'wheel-inserted-over-notes',
    description:
      'an annual clock inserted under existing notes left their month empty; months follow the wheel now',
    workshop: workshop(
      [
        {
          kind: 'command',
          actor: 'facilitator',
          command: { type: 'note.add', id: note(0), x: 1500, y: 0, text: '' },
          advance: 0,
        },
        {
          kind: 'command',
          actor: 'facilitator',
          command: { type: 'template.insert', template: 'wheel', locale: 'fi', x: 90, y: -400 },
          advance: 0,
        },
      ],
      { joined: 'late', groupThreshold: 1 },
    ),
  },
  {
    name: 'hidden-note-total-after-withheld-round',
    description:
      'a note hidden while a round withheld its totals came back without the total the round gave it at its end',
    workshop: workshop([
      {
        kind: 'command',
        actor: 'facilitator',
        command: { type: 'note.add', id: note(0), x: 0, y: 0, text: 'a' },
        advance: 0,
      },
      {
        kind: 'command',
        actor: 'facilitator',
        command: {
          type: 'vote.start',
          roundId: round(0),
          dots: 3,
          maxPerNote: 2,
          showTotals: false,
        },
        advance: 0,
      },
      {
        kind: 'command',
        actor: 0,
        command: { type: 'vote.cast', roundId: round(0), noteId: note(0) },
        advance: 10,
      },
      {
        kind: 'command',
        actor: 'facilitator',
        command: { type: 'note.hide', id: note(0) },
        advance: 10,
      },
      {
        kind: 'command',
        actor: 'facilitator',
        command: { type: 'vote.end', roundId: round(0) },
        advance: 10,
      },
      {
        kind: 'command',
        actor: 'facilitator',
        command: { type: 'note.unhide', id: note(0) },
        advance: 10,
      },
    ]),
  },
  {
    name: 'note-re-added-after-delete-keeps-its-reactions',
    description:
      'a note re-added under its id (an undo of its delete) showed no reactions while the reactions given to it were still counted',
    workshop: workshop([
      {
        kind: 'command',
        actor: 0,
        command: { type: 'note.add', id: note(1), x: 0, y: 0, text: 'b' },
        advance: 0,
      },
      {
        kind: 'command',
        actor: 1,
        command: { type: 'reaction.toggle', noteId: note(1), reaction: 'heart' },
        advance: 10,
      },
      { kind: 'command', actor: 0, command: { type: 'note.delete', id: note(1) }, advance: 10 },
      {
        kind: 'command',
        actor: 0,
        command: { type: 'note.add', id: note(1), x: 0, y: 0, text: 'b' },
        advance: 10,
      },
      {
        kind: 'command',
        actor: 1,
        command: { type: 'reaction.toggle', noteId: note(1), reaction: 'heart' },
        advance: 10,
      },
    ]),
  },
];
