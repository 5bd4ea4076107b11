import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyCommand, initBoardDoc, type Actor } from './apply.js';
import { PrivateState } from './private-state.js';
import { BOARD_SCHEMA_VERSION, getNote, listNotes, readBoard } from './board.js';
import { refreshGroupCounts } from './apply.js';
import type { Command } from './commands.js';
import { NOTE_SIZE } from './limits.js';

let n = 0;
const id = () => `id${String(n++).padStart(18, '0')}`;

const FACILITATOR: Actor = { role: 'facilitator' };

/** A board with its private state, and a runner that applies commands as a given actor. */
function board(init: { mode?: 'anonymous' | 'named'; groupThreshold?: number } = {}) {
  const doc = new Y.Doc();
  initBoardDoc(doc, {
    title: 'B',
    template: 'blank',
    now: 0,
    schemaVersion: BOARD_SCHEMA_VERSION,
    ...init,
  });
  const state = new PrivateState();
  const run = (c: Command, now = 1_000, actor: Actor = FACILITATOR) => {
    let r: ReturnType<typeof applyCommand> = { ok: true };
    doc.transact(
      () => (r = applyCommand(doc, c, { now, actor, view: state, emit: (e) => state.apply(e) })),
    );
    return r;
  };
  return { doc, run, state };
}

describe('applyCommand', () => {
  it('places a note in the prompt that holds its centre, the newest prompt winning where they overlap', () => {
    const { doc, run } = board();
    const older = id();
    const newer = id();
    run({ type: 'prompt.add', id: older, title: 'a', x: 0, y: 0, w: 1000, h: 1000 }, 1_000);
    run({ type: 'prompt.add', id: newer, title: 'b', x: 500, y: 500, w: 400, h: 400 }, 2_000);
    const inOlder = id();
    const inBoth = id();
    const outside = id();
    run({ type: 'note.add', id: inOlder, x: 10, y: 10, text: '' });
    run({ type: 'note.add', id: inBoth, x: 600, y: 600, text: '' });
    run({ type: 'note.add', id: outside, x: 2000, y: 2000, text: '' });
    expect(getNote(doc, inOlder)?.promptId).toBe(older);
    expect(getNote(doc, inBoth)?.promptId).toBe(newer);
    expect(getNote(doc, outside)?.promptId).toBeNull();
    // The centre decides: a note hanging over the edge by less than half belongs inside.
    const edge = id();
    run({ type: 'note.add', id: edge, x: 1000 - NOTE_SIZE / 2, y: 10, text: '' });
    expect(getNote(doc, edge)?.promptId).toBe(older);
  });

  it('reassigns notes when a prompt is resized away from them, and keeps them when it moves', () => {
    const { doc, run } = board();
    const p = id();
    run({ type: 'prompt.add', id: p, title: 'a', x: 0, y: 0, w: 1000, h: 1000 });
    const far = id();
    run({ type: 'note.add', id: far, x: 800, y: 800, text: '' });
    run({ type: 'prompt.update', id: p, x: 100, y: 0 });
    expect(getNote(doc, far)).toMatchObject({ x: 900, y: 800, promptId: p });
    run({ type: 'prompt.update', id: p, w: 300, h: 300 });
    expect(getNote(doc, far)?.promptId).toBeNull();
  });

  it('refuses before writing: a refused command leaves the document byte-identical', () => {
    const { doc, run } = board();
    const before = Y.encodeStateAsUpdate(doc);
    expect(run({ type: 'note.move', id: id(), x: 0, y: 0 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(run({ type: 'prompt.delete', id: id() })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
  });

  it("stores a note's creation time rounded down to the minute", () => {
    const { doc, run } = board();
    const a = id();
    run({ type: 'note.add', id: a, x: 0, y: 0, text: '' }, 1_234_567);
    expect(getNote(doc, a)?.createdAt).toBe(1_200_000);
  });

  it('writes nothing about who sent a command on an anonymous board', () => {
    const { doc, run, state } = board();
    state.addParticipant({ id: 'p1', group: 'g3', name: 'Maija', revoked: false });
    const a = id();
    run({ type: 'note.add', id: a, x: 0, y: 0, text: 'x' }, 1_000, {
      role: 'participant',
      participantId: 'p1',
    });
    const keys = new Set<string>();
    doc.getMap<Y.Map<unknown>>('notes').forEach((m) => m.forEach((_v, k) => keys.add(k)));
    expect([...keys].sort()).toEqual([
      'author',
      'cluster',
      'color',
      'createdAt',
      'group',
      'month',
      'promptId',
      'reactions',
      'text',
      'votes',
      'x',
      'y',
    ]);
    expect(getNote(doc, a)).toMatchObject({ author: null, group: null });
    expect(state.author(a)).toBe('p1');
  });

  it('reads back a consistent board state', () => {
    const { doc, run } = board();
    run({ type: 'board.update', title: 'Uusi nimi' });
    run({ type: 'note.add', id: id(), x: 0, y: 0, text: 'a' }, 5 * 60_000);
    run({ type: 'note.add', id: id(), x: 0, y: 0, text: 'b' }, 3 * 60_000);
    const state = readBoard(doc);
    expect(state.meta).toMatchObject({ title: 'Uusi nimi', schemaVersion: BOARD_SCHEMA_VERSION });
    expect(listNotes(doc).map((x) => x.text)).toEqual(['b', 'a']);
  });
});

const P1: Actor = { role: 'participant', participantId: 'p1' };
const P2: Actor = { role: 'participant', participantId: 'p2' };

function withParticipants(init: Parameters<typeof board>[0] = {}) {
  const b = board(init);
  b.state.addParticipant({ id: 'p1', group: 'g1', name: 'Maija Meikäläinen', revoked: false });
  b.state.addParticipant({ id: 'p2', group: 'g3', name: 'Johtaja', revoked: false });
  return b;
}

describe('private writing', () => {
  it('keeps notes out of the document until the reveal, then shows them all at once', () => {
    const { doc, run, state } = withParticipants();
    const p = id();
    run({ type: 'prompt.add', id: p, title: 'q', x: 0, y: 0, w: 1000, h: 1000 });
    run({ type: 'prompt.update', id: p, privateWriting: true });
    const a = id();
    const b = id();
    expect(run({ type: 'note.add', id: a, x: 10, y: 10, text: 'salainen' }, 1_000, P1)).toEqual({
      ok: true,
    });
    run({ type: 'note.add', id: b, x: 20, y: 20, text: 'toinen' }, 1_000, P2);
    expect(listNotes(doc)).toHaveLength(0);
    expect(JSON.stringify(doc.toJSON())).not.toContain('salainen');
    expect(readBoard(doc).prompts[0]?.waiting).toBe(2);
    // The author may still edit and move it; nobody else can find it.
    expect(run({ type: 'note.update', id: a, text: 'salainen, muokattu' }, 1_000, P1)).toEqual({
      ok: true,
    });
    expect(run({ type: 'note.update', id: a, text: 'x' }, 1_000, P2)).toMatchObject({
      error: { code: 'not_found' },
    });
    expect(run({ type: 'note.delete', id: a })).toMatchObject({ error: { code: 'not_found' } });
    expect(state.offstageFor('p1').map((n) => n.text)).toEqual(['salainen, muokattu']);

    const before = Y.encodeStateVector(doc);
    run({ type: 'board.reveal', promptId: p });
    expect(
      listNotes(doc)
        .map((n) => n.text)
        .sort(),
    ).toEqual(['salainen, muokattu', 'toinen']);
    expect(readBoard(doc).prompts[0]?.waiting).toBe(0);
    expect(state.offstageNotes()).toHaveLength(0);
    // One transaction: a single update carries every revealed note.
    const diff = Y.encodeStateAsUpdate(doc, before);
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(doc));
    expect(listNotes(fresh)).toHaveLength(2);
    expect(diff.length).toBeGreaterThan(0);
  });

  it("every note of one reveal carries the reveal's minute, whenever each was written", () => {
    const { doc, run } = withParticipants();
    const p = id();
    run({ type: 'prompt.add', id: p, title: 'q', x: 0, y: 0, w: 1000, h: 1000 });
    run({ type: 'prompt.update', id: p, privateWriting: true });
    // Ids that sort against the order of writing.
    const [third, second, first] = [id(), id(), id()];
    run({ type: 'note.add', id: first!, x: 10, y: 10, text: 'eka' }, 61_234, P1);
    run({ type: 'note.add', id: second!, x: 20, y: 20, text: 'toka' }, 185_999, P2);
    run({ type: 'note.add', id: third!, x: 30, y: 30, text: 'kolmas' }, 186_001, P1);
    run({ type: 'board.reveal', promptId: p }, 10 * 60_000 + 42_017);
    expect(new Set(listNotes(doc).map((n) => n.createdAt))).toEqual(new Set([10 * 60_000]));
    // Nor does the update's own order tell: the notes' Yjs items are written in id order.
    const items = (doc.getMap('notes') as unknown as { _map: Map<string, { id: Y.ID }> })._map;
    const byClock = [...items.entries()].sort((x, y) => x[1].id.clock - y[1].id.clock);
    expect(byClock.map(([noteId]) => noteId)).toEqual([...items.keys()].sort());
    // Ending private writing on the board is a reveal too.
    run({ type: 'board.update', privateWriting: true });
    run({ type: 'note.add', id: id(), x: 5_000, y: 5_000, text: 'ulkona' }, 11 * 60_000 + 1, P2);
    run({ type: 'board.update', privateWriting: false }, 13 * 60_000 + 59_999);
    expect(listNotes(doc).find((n) => n.text === 'ulkona')?.createdAt).toBe(13 * 60_000);
  });

  it('ending private writing reveals what waits; facilitator notes are never private', () => {
    const { doc, run } = withParticipants();
    run({ type: 'board.update', privateWriting: true });
    run({ type: 'note.add', id: id(), x: 0, y: 0, text: 'fasilitaattori' });
    run({ type: 'note.add', id: id(), x: 0, y: 0, text: 'osallistuja' }, 1_000, P1);
    expect(listNotes(doc).map((n) => n.text)).toEqual(['fasilitaattori']);
    expect(readBoard(doc).meta.waiting).toBe(1);
    run({ type: 'board.update', privateWriting: false });
    expect(
      listNotes(doc)
        .map((n) => n.text)
        .sort(),
    ).toEqual(['fasilitaattori', 'osallistuja']);
  });
});

describe('locks', () => {
  it('a locked board stops participants, not facilitators', () => {
    const { run } = withParticipants();
    const a = id();
    run({ type: 'note.add', id: a, x: 0, y: 0, text: '' }, 1_000, P1);
    run({ type: 'board.update', locked: true });
    expect(run({ type: 'note.add', id: id(), x: 0, y: 0, text: '' }, 1_000, P1)).toMatchObject({
      error: { code: 'locked' },
    });
    expect(run({ type: 'note.update', id: a, text: 'x' }, 1_000, P1)).toMatchObject({
      error: { code: 'locked' },
    });
    expect(run({ type: 'note.update', id: a, text: 'x' })).toEqual({ ok: true });
  });

  it('a locked prompt stops notes going in, coming out and changing', () => {
    const { run } = withParticipants();
    const p = id();
    run({ type: 'prompt.add', id: p, title: 'q', x: 0, y: 0, w: 500, h: 500 });
    const inside = id();
    const outside = id();
    run({ type: 'note.add', id: inside, x: 10, y: 10, text: '' }, 1_000, P1);
    run({ type: 'note.add', id: outside, x: 2000, y: 2000, text: '' }, 1_000, P1);
    run({ type: 'prompt.update', id: p, locked: true });
    expect(run({ type: 'note.add', id: id(), x: 10, y: 10, text: '' }, 1_000, P1)).toMatchObject({
      error: { code: 'locked' },
    });
    expect(run({ type: 'note.move', id: inside, x: 3000, y: 0 }, 1_000, P1)).toMatchObject({
      error: { code: 'locked' },
    });
    expect(run({ type: 'note.move', id: outside, x: 10, y: 10 }, 1_000, P1)).toMatchObject({
      error: { code: 'locked' },
    });
    expect(run({ type: 'note.move', id: outside, x: 2500, y: 2500 }, 1_000, P1)).toEqual({
      ok: true,
    });
  });
});

describe('role groups and K-anonymity', () => {
  it('tags a note only if its group had K members when it was written, and never later', () => {
    const { doc, run, state } = board({ groupThreshold: 3 });
    const as = (participantId: string) => ({ role: 'participant' as const, participantId });
    state.addParticipant({ id: 'j1', group: 'g3', name: null, revoked: false });
    state.addParticipant({ id: 'j2', group: 'g3', name: null, revoked: false });
    const early = id();
    run({ type: 'note.add', id: early, x: 0, y: 0, text: '' }, 1_000, as('j1'));
    expect(getNote(doc, early)?.group).toBeNull();
    expect(readBoard(doc).meta.groupCounts).toEqual({});
    state.addParticipant({ id: 'j3', group: 'g3', name: null, revoked: false });
    doc.transact(() => refreshGroupCounts(doc, state));
    // The count shows now, but the note written below K stays untagged.
    expect(readBoard(doc).meta.groupCounts).toEqual({ g3: 3 });
    expect(getNote(doc, early)?.group).toBeNull();
    const late = id();
    run({ type: 'note.add', id: late, x: 0, y: 0, text: '' }, 1_000, as('j1'));
    expect(getNote(doc, late)?.group).toBe('g3');
    // Raising K hides the count and keeps new notes untagged; the tag already shown stays.
    run({ type: 'board.update', groupThreshold: 4 });
    expect(readBoard(doc).meta.groupCounts).toEqual({});
    expect(getNote(doc, late)?.group).toBe('g3');
    const after = id();
    run({ type: 'note.add', id: after, x: 0, y: 0, text: '' }, 1_000, as('j2'));
    expect(getNote(doc, after)?.group).toBeNull();
    // Lowering K again tags nothing written before.
    run({ type: 'board.update', groupThreshold: 2 });
    expect(getNote(doc, early)?.group).toBeNull();
    expect(getNote(doc, after)?.group).toBeNull();
  });

  it('a private note keeps the tag decided when it was written, through its reveal', () => {
    const { doc, run, state } = board({ groupThreshold: 2 });
    const as = (participantId: string) => ({ role: 'participant' as const, participantId });
    run({ type: 'board.update', privateWriting: true });
    state.addParticipant({ id: 'j1', group: 'g3', name: null, revoked: false });
    const below = id();
    run({ type: 'note.add', id: below, x: 0, y: 0, text: '' }, 1_000, as('j1'));
    state.addParticipant({ id: 'j2', group: 'g3', name: null, revoked: false });
    const atK = id();
    run({ type: 'note.add', id: atK, x: 0, y: 0, text: '' }, 1_000, as('j2'));
    run({ type: 'board.update', privateWriting: false });
    expect(getNote(doc, below)?.group).toBeNull();
    expect(getNote(doc, atK)?.group).toBe('g3');
    // Hidden and brought back, each keeps its own.
    run({ type: 'note.hide', id: below });
    run({ type: 'note.unhide', id: below });
    expect(getNote(doc, below)?.group).toBeNull();
  });

  it('named boards show the author’s display name; anonymous ones never do', () => {
    for (const mode of ['named', 'anonymous'] as const) {
      const { doc, run } = withParticipants({ mode });
      const a = id();
      run({ type: 'note.add', id: a, x: 0, y: 0, text: '' }, 1_000, P1);
      expect(getNote(doc, a)?.author).toBe(mode === 'named' ? 'Maija Meikäläinen' : null);
    }
  });
});

describe('moderation', () => {
  it('a hidden note leaves the document and can be brought back', () => {
    const { doc, run, state } = withParticipants();
    const a = id();
    run({ type: 'note.add', id: a, x: 0, y: 0, text: 'asiaton' }, 1_000, P1);
    expect(run({ type: 'note.hide', id: a })).toEqual({ ok: true });
    expect(getNote(doc, a)).toBeUndefined();
    expect(state.hiddenNotes().map((n) => n.text)).toEqual(['asiaton']);
    // The author can no longer touch it.
    expect(run({ type: 'note.update', id: a, text: 'x' }, 1_000, P1)).toMatchObject({
      error: { code: 'not_found' },
    });
    expect(run({ type: 'note.unhide', id: a })).toEqual({ ok: true });
    expect(getNote(doc, a)?.text).toBe('asiaton');
  });

  it('removing the author of a note revokes them without naming them', () => {
    const { run, state } = withParticipants();
    const a = id();
    run({ type: 'note.add', id: a, x: 0, y: 0, text: '' }, 1_000, P2);
    expect(run({ type: 'participant.remove', noteId: a })).toEqual({ ok: true });
    expect(state.participant('p2')?.revoked).toBe(true);
    expect(run({ type: 'participant.remove', participantId: 'p2' })).toMatchObject({
      error: { code: 'not_found' },
    });
  });
});

describe('facilitator edits of participants’ notes', () => {
  it('marks a note whose words a facilitator changed, and only then', () => {
    const { doc, run } = withParticipants();
    const a = id();
    run({ type: 'note.add', id: a, x: 0, y: 0, text: 'alkuperäinen' }, 1_000, P1);
    // The author's own edits, and a facilitator's colour change or same text, leave no mark.
    run({ type: 'note.update', id: a, text: 'korjattu' }, 1_000, P1);
    run({ type: 'note.update', id: a, color: 'blue' });
    run({ type: 'note.update', id: a, text: 'korjattu' });
    expect(getNote(doc, a)?.editedByFacilitator).toBe(false);
    expect(notesKeys(doc)).not.toContain('editedByFacilitator');
    run({ type: 'note.update', id: a, text: 'uudelleen kirjoitettu' });
    expect(getNote(doc, a)).toMatchObject({
      text: 'uudelleen kirjoitettu',
      editedByFacilitator: true,
    });
    // The author's later edit does not clear it: what the facilitator changed was seen changed.
    run({ type: 'note.update', id: a, text: 'omin sanoin' }, 1_000, P1);
    expect(getNote(doc, a)?.editedByFacilitator).toBe(true);
    // The mark carries nothing about the author.
    const rec = JSON.stringify(doc.getMap('notes').get(a));
    expect(rec).not.toContain('p1');
    expect(rec).not.toContain('g1');
  });

  it('does not mark the facilitator’s own notes, and keeps the mark through hide and unhide', () => {
    const { doc, run } = withParticipants();
    const own = id();
    run({ type: 'note.add', id: own, x: 0, y: 0, text: 'ohje' });
    run({ type: 'note.update', id: own, text: 'uusi ohje' });
    expect(getNote(doc, own)?.editedByFacilitator).toBe(false);
    const a = id();
    run({ type: 'note.add', id: a, x: 0, y: 0, text: 'x' }, 1_000, P2);
    run({ type: 'note.hide', id: a });
    run({ type: 'note.update', id: a, text: 'siistitty' });
    run({ type: 'note.unhide', id: a });
    expect(getNote(doc, a)).toMatchObject({ text: 'siistitty', editedByFacilitator: true });
  });
});

function notesKeys(doc: Y.Doc): string[] {
  const keys = new Set<string>();
  doc.getMap<Y.Map<unknown>>('notes').forEach((m) => m.forEach((_v, k) => keys.add(k)));
  return [...keys];
}
