/**
 * The audiences module: from batches applied to a board in a real SQLite file, who receives what
 * (and who does not), and what a connecting session may see.
 */
import { describe, expect, it } from 'vitest';
import { newSecret, randomId, type CommandEnvelope } from '@pajataulu/shared';
import {
  commitCommands,
  envelope,
  facilitator,
  joinCommitted,
  participantSession,
  useStoredBoard,
} from '../../test/pipeline-fixture.js';
import { boardFlagSource } from '../personal-data.js';
import type { Session } from '../session.js';
import { endings, sessionView, type DeliveryPlan, type Recipient } from './audiences.js';

const fx = useStoredBoard();

/** Applies and commits one batch of `[session, command]` pairs; returns its delivery plan. */
async function batch(...commands: [Session, CommandEnvelope][]): Promise<DeliveryPlan> {
  const applied = await commitCommands(fx.storage, fx.board, ...commands);
  expect(applied.outcomes.map((o) => o.kind)).toEqual(commands.map(() => 'applied'));
  return applied.ledger.plan(fx.board.state);
}

const join = () => joinCommitted(fx.storage, fx.board);
const f = (): Session => facilitator(fx.board.boardId);

function eventsFor(plan: DeliveryPlan, to: Recipient): string[] {
  const key = JSON.stringify(to);
  return plan.entries
    .filter((e) => JSON.stringify(e.to) === key)
    .flatMap((e) => e.deliveries.map((d) => d.event));
}

const noteAdd = (text: string, id = randomId(20)) =>
  envelope({ type: 'note.add', id, x: 10, y: 10, text });

describe('delivery plans', () => {
  it('sends a private note to its author only, and takes it back from them at the reveal', async () => {
    const a = await join();
    const b = await join();
    await batch([f(), envelope({ type: 'board.update', privateWriting: true })]);
    const noteId = randomId(20);
    const written = await batch([a, noteAdd('salainen', noteId)]);
    const mine = written.entries.find(
      (e) => JSON.stringify(e.to) === JSON.stringify({ participantId: a.participantId }),
    );
    expect(mine?.deliveries).toContainEqual({
      event: 'offstage',
      change: { upsert: [expect.objectContaining({ id: noteId, text: 'salainen' })], remove: [] },
    });
    // Nothing identifies the author in what is sent; nobody else hears of the note.
    const sent = mine?.deliveries[0]?.event === 'offstage' ? mine.deliveries[0].change.upsert : [];
    expect(Object.keys(sent[0]!).sort()).toEqual(
      ['color', 'createdAt', 'id', 'promptId', 'state', 'text', 'x', 'y'].sort(),
    );
    expect(eventsFor(written, { participantId: b.participantId! })).toEqual([]);
    expect(eventsFor(written, { facilitators: true })).toEqual([]);

    const revealed = await batch([f(), envelope({ type: 'board.reveal' })]);
    expect(eventsFor(revealed, { participantId: a.participantId! })).toEqual(['offstage']);
    expect(revealed.entries[0]?.deliveries[0]).toEqual({
      event: 'offstage',
      change: { upsert: [], remove: [noteId] },
    });
  });

  it('sends a participant their own dots and reactions as they are after the batch', async () => {
    const a = await join();
    const noteId = randomId(20);
    const roundId = randomId(20);
    await batch([f(), noteAdd('ehdotus', noteId)]);
    const plan = await batch(
      [f(), envelope({ type: 'vote.start', roundId, dots: 3, maxPerNote: 3 })],
      [a, envelope({ type: 'vote.cast', roundId, noteId })],
      [a, envelope({ type: 'vote.cast', roundId, noteId })],
      [a, envelope({ type: 'reaction.toggle', noteId, reaction: 'heart' })],
      [f(), envelope({ type: 'reaction.toggle', noteId, reaction: 'clap' })],
    );
    expect(plan.entries).toEqual([
      {
        to: { participantId: a.participantId },
        deliveries: [
          { event: 'votes', change: { roundId, byNote: { [noteId]: 2 } } },
          { event: 'reactions', change: { noteId, mine: ['heart'] } },
        ],
      },
    ]);
  });

  it("tells a participant's other tabs of their new note, skipping the tab that sent it", async () => {
    const a = await join();
    const noteId = randomId(20);
    const plan = await batch([a, noteAdd('oma', noteId)], [f(), noteAdd('vetäjän')]);
    expect(plan.entries).toEqual([
      {
        to: { participantId: a.participantId },
        deliveries: [
          {
            event: 'own.notes',
            noteIds: [noteId],
            except: a,
          },
        ],
      },
    ]);
  });

  it('ends the connections of a removed participant and, on a new key, of the facilitators', async () => {
    const a = await join();
    const removed = await batch([
      f(),
      envelope({ type: 'participant.remove', participantId: a.participantId }),
    ]);
    expect(endings(removed)).toEqual([
      { to: { participantId: a.participantId }, reason: 'removed' },
    ]);
    const rotated = await batch([f(), envelope({ type: 'board.rotateKey', key: newSecret() })]);
    expect(endings(rotated)).toEqual([{ to: { facilitators: true }, reason: 'keyRotated' }]);
  });

  it('sends nothing beyond the document for a batch only the document cares about', async () => {
    const plan = await batch([f(), noteAdd('julkinen')]);
    expect(plan.entries).toEqual([]);
  });
});

describe('sessionView', () => {
  it('shows a participant their own notes, private notes and dots, and the facilitators the hidden notes', async () => {
    const a = await join();
    const b = await join();
    const open = randomId(20);
    const hidden = randomId(20);
    const roundId = randomId(20);
    await batch(
      [a, noteAdd('näkyvä', open)],
      [a, noteAdd('piiloon', hidden)],
      [f(), envelope({ type: 'note.hide', id: hidden })],
      [f(), envelope({ type: 'vote.start', roundId, dots: 2, maxPerNote: 2 })],
      [a, envelope({ type: 'vote.cast', roundId, noteId: open })],
    );
    const rounds = [roundId];
    const va = sessionView(fx.board.state, rounds, a)!;
    // A hidden note is the facilitators' now: not listed as the author's.
    expect(va.ownNotes).toEqual([open]);
    expect(va.votes).toEqual({ [roundId]: { [open]: 1 } });
    expect(va.offstage).toEqual([]);
    expect(sessionView(fx.board.state, rounds, b)).toMatchObject({ ownNotes: [], votes: {} });
    const vf = sessionView(fx.board.state, rounds, f())!;
    expect(vf.offstage.map((n) => [n.id, n.state])).toEqual([[hidden, 'hidden']]);
    expect(JSON.stringify(vf)).not.toContain(a.participantId!);
  });

  it('has nothing for a removed or unknown participant', async () => {
    const a = await join();
    await batch([f(), envelope({ type: 'participant.remove', participantId: a.participantId })]);
    expect(sessionView(fx.board.state, [], a)).toBeUndefined();
    expect(
      sessionView(fx.board.state, [], participantSession(fx.board.boardId, randomId(20))),
    ).toBeUndefined();
  });
});

describe('personal-data flags', () => {
  it('go to facilitators alone, by kind, for the notes they may read', async () => {
    const a = await join();
    const b = await join();
    const code = randomId(20);
    const clean = randomId(20);
    const hidden = randomId(20);
    const applied = await commitCommands(
      fx.storage,
      fx.board,
      [a, noteAdd('Potilas 131052-308T soitti', code)],
      [a, noteAdd('Hyvä päivä', clean)],
      [b, noteAdd('Soita 040 123 4567', hidden)],
      [f(), envelope({ type: 'note.hide', id: hidden })],
    );
    const plan = applied.ledger.plan(fx.board.state, boardFlagSource(fx.board.doc, fx.board.state));
    const toFacilitators = plan.entries.find((e) => 'facilitators' in e.to)!.deliveries;
    const flags = toFacilitators.flatMap((d) => (d.event === 'flags' ? d.flags : []));
    expect(flags.sort((x, y) => x.noteId.localeCompare(y.noteId))).toEqual(
      [
        { noteId: code, kinds: ['identityCode'] },
        { noteId: clean, kinds: [] },
        { noteId: hidden, kinds: ['phone'] },
      ].sort((x, y) => x.noteId.localeCompare(y.noteId)),
    );
    for (const p of [a, b])
      expect(eventsFor(plan, { participantId: p.participantId! })).not.toContain('flags');
    // Nothing in a flag points at an author.
    expect(JSON.stringify(flags)).not.toContain(a.participantId!);
    expect(JSON.stringify(flags)).not.toContain(b.participantId!);

    // A connecting facilitator gets the flagged notes; a participant's view has none.
    const vf = sessionView(fx.board.state, [], f(), fx.board.doc)!;
    expect(vf.flags?.map((x) => x.noteId).sort()).toEqual([code, hidden].sort());
    expect(sessionView(fx.board.state, [], a, fx.board.doc)).not.toHaveProperty('flags');
  });

  it('leave a private note alone until it is revealed', async () => {
    const a = await join();
    await batch([f(), envelope({ type: 'board.update', privateWriting: true })]);
    const id = randomId(20);
    const written = await commitCommands(fx.storage, fx.board, [
      a,
      noteAdd('maija@example.fi', id),
    ]);
    const source = () => boardFlagSource(fx.board.doc, fx.board.state);
    expect(
      eventsFor(written.ledger.plan(fx.board.state, source()), { facilitators: true }),
    ).toEqual([]);
    expect(sessionView(fx.board.state, [], f(), fx.board.doc)!.flags).toEqual([]);
    const revealed = await commitCommands(fx.storage, fx.board, [
      f(),
      envelope({ type: 'board.reveal' }),
    ]);
    expect(
      revealed.ledger
        .plan(fx.board.state, source())
        .entries.flatMap((e) => e.deliveries)
        .filter((d) => d.event === 'flags'),
    ).toEqual([{ event: 'flags', flags: [{ noteId: id, kinds: ['email'] }] }]);
  });
});
