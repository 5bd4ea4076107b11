import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyCommand, assignStation, expireTimer, initBoardDoc, type Actor } from './apply.js';
import {
  BOARD_SCHEMA_VERSION,
  getNote,
  listNotes,
  listPrompts,
  readBoard,
  readMeta,
} from './board.js';
import type { CommandInput } from './commands.js';
import { parseEnvelope } from './commands.js';
import { NOTE_SIZE } from './limits.js';
import { PrivateState } from './private-state.js';
import { buildTemplate, LOCALES, type TemplateKind } from './templates.js';
import { monthAt, monthSector } from './wheel.js';

let n = 0;
const id = () => `w${String(n++).padStart(19, '0')}`;
const F: Actor = { role: 'facilitator' };
const P = (pid: string): Actor => ({ role: 'participant', participantId: pid });

function board(
  template: TemplateKind = 'blank',
  opts: { stations?: number; assignment?: 'self' | 'balanced' | 'mixed' } = {},
) {
  const doc = new Y.Doc();
  initBoardDoc(doc, {
    title: 'B',
    template,
    now: 0,
    schemaVersion: BOARD_SCHEMA_VERSION,
    build: buildTemplate(template, 'fi', { x: 0, y: 0 }, opts.stations),
    ...(opts.assignment ? { stationAssignment: opts.assignment } : {}),
  });
  const state = new PrivateState();
  for (const pid of ['p1', 'p2', 'p3'])
    state.addParticipant({ id: pid, group: 'g1', name: null, revoked: false });
  const run = (input: CommandInput, actor: Actor = F, now = 1_000) => {
    const parsed = parseEnvelope({ id: 'cmd-000001', command: input });
    if (!parsed.ok) throw new Error(parsed.error.message);
    let r: ReturnType<typeof applyCommand> = { ok: true };
    doc.transact(
      () =>
        (r = applyCommand(doc, parsed.envelope.command, {
          now,
          actor,
          view: state,
          emit: (e) => state.apply(e),
        })),
    );
    return r;
  };
  return { doc, state, run };
}

describe('templates', () => {
  it.each(LOCALES)(
    'the trust workbook has its three themes with guiding questions (%s)',
    (locale) => {
      const t = buildTemplate('trust', locale);
      expect(t.prompts).toHaveLength(3);
      for (const p of t.prompts) expect(p.description.length).toBeGreaterThan(10);
    },
  );

  it('builds the Finnish trust workbook into a new board', () => {
    const { doc } = board('trust');
    expect(listPrompts(doc).map((p) => p.title)).toEqual([
      'Esihenkilön rooli luottamuksen rakentajana',
      'Arvostava kohtaaminen',
      'Psykologisen turvallisuuden vahvistaminen',
    ]);
  });

  it('builds N stations, numbered', () => {
    const { doc } = board('stations', { stations: 5 });
    expect(listPrompts(doc).map((p) => p.station)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a facilitator can insert a template into an existing board, once for the wheel', () => {
    const { doc, run } = board('trust');
    expect(
      run({ type: 'template.insert', template: 'retro', locale: 'sv', x: 0, y: 2000 }),
    ).toEqual({ ok: true });
    expect(listPrompts(doc).map((p) => p.title)).toContain('Vad gick bra');
    expect(
      run({ type: 'template.insert', template: 'wheel', locale: 'en', x: 5000, y: 0 }),
    ).toEqual({ ok: true });
    expect(
      run({ type: 'template.insert', template: 'wheel', locale: 'en', x: 9000, y: 0 }),
    ).toMatchObject({ error: { code: 'already_exists' } });
  });
});

describe('the annual clock', () => {
  const wheel = { x: 0, y: 0, r: 100 };
  it.each([
    [0, -90, 1],
    [30, -80, 1],
    [80, -30, 3],
    [90, 1, 4],
    [-1, 90, 7],
    [-90, 1, 9],
    [-30, -80, 12],
  ])('the point (%i, %i) is in month %i', (x, y, month) => {
    expect(monthAt(wheel, { x, y })).toBe(month);
  });
  it('the hub and the outside have no month', () => {
    expect(monthAt(wheel, { x: 5, y: 5 })).toBeNull();
    expect(monthAt(wheel, { x: 200, y: 0 })).toBeNull();
  });
  it('every sector’s middle maps back to its month', () => {
    for (let m = 1; m <= 12; m++) {
      const { start, end } = monthSector(m);
      const a = (start + end) / 2;
      expect(monthAt(wheel, { x: Math.sin(a) * 60, y: -Math.cos(a) * 60 })).toBe(m);
    }
  });
  it('a note dropped in March’s sector belongs to March, and follows its moves', () => {
    const { doc, run } = board('wheel');
    const w = readMeta(doc).wheel!;
    const { start, end } = monthSector(3);
    const a = (start + end) / 2;
    const at = (r: number) => ({
      x: w.x + Math.sin(a) * r - NOTE_SIZE / 2,
      y: w.y - Math.cos(a) * r - NOTE_SIZE / 2,
    });
    const note = id();
    run({ type: 'note.add', id: note, ...at(w.r * 0.7), text: 'Kevätretki' }, P('p1'));
    expect(getNote(doc, note)?.month).toBe(3);
    run({ type: 'note.move', id: note, x: w.x - NOTE_SIZE / 2, y: w.y + w.r * 0.6 }, P('p1'));
    expect(getNote(doc, note)?.month).toBe(7);
  });
});

describe('the timer', () => {
  it('counts on server time: start, pause, add a minute, stop', () => {
    const { doc, run } = board();
    run({ type: 'timer.set', durationMs: 60_000, onEnd: 'none' }, F, 0);
    run({ type: 'timer.start' }, F, 10_000);
    expect(readMeta(doc).timer).toMatchObject({ state: 'running', endsAt: 70_000 });
    run({ type: 'timer.pause' }, F, 40_000);
    expect(readMeta(doc).timer).toMatchObject({ state: 'paused', remainingMs: 30_000 });
    run({ type: 'timer.addTime' }, F, 41_000);
    expect(readMeta(doc).timer.remainingMs).toBe(90_000);
    run({ type: 'timer.start' }, F, 50_000);
    expect(readMeta(doc).timer.endsAt).toBe(140_000);
    run({ type: 'timer.stop' }, F, 60_000);
    expect(readMeta(doc).timer).toMatchObject({ state: 'idle', remainingMs: 60_000 });
  });

  it('running out reveals private writing, or locks the board, as set', () => {
    for (const onEnd of ['reveal', 'lock'] as const) {
      const { doc, run, state } = board();
      run({ type: 'board.update', privateWriting: true });
      run({ type: 'note.add', id: id(), x: 0, y: 0, text: 'piilossa' }, P('p1'));
      run({ type: 'timer.set', durationMs: 1_000, onEnd }, F, 0);
      run({ type: 'timer.start' }, F, 0);
      const ctx = {
        now: 500,
        actor: F,
        view: state,
        emit: (e: Parameters<PrivateState['apply']>[0]) => state.apply(e),
      };
      let expired = true;
      doc.transact(() => (expired = expireTimer(doc, ctx)));
      expect(expired).toBe(false);
      expect(readMeta(doc).timer.state).toBe('running');
      doc.transact(() => expireTimer(doc, { ...ctx, now: 1_000 }));
      expect(readMeta(doc).timer.state).toBe('ended');
      expect(listNotes(doc).length).toBe(onEnd === 'reveal' ? 1 : 0);
      expect(readMeta(doc).locked).toBe(onEnd === 'lock');
    }
  });
});

describe('dot voting', () => {
  function voting(showTotals: boolean) {
    const b = board();
    const notes = [id(), id(), id()];
    for (const nid of notes) b.run({ type: 'note.add', id: nid, x: 0, y: 0, text: nid });
    const round = id();
    b.run({ type: 'vote.start', roundId: round, dots: 3, maxPerNote: 2, showTotals });
    return { ...b, notes, round };
  }

  it('enforces the budget and the most dots per note; a dot can be taken back', () => {
    const { run, notes, round, state } = voting(true);
    const [a, b, c] = notes as [string, string, string];
    const cast = (noteId: string) => run({ type: 'vote.cast', roundId: round, noteId }, P('p1'));
    expect(cast(a)).toEqual({ ok: true });
    expect(cast(a)).toEqual({ ok: true });
    expect(cast(a)).toMatchObject({ error: { code: 'vote_budget' } });
    expect(cast(b)).toEqual({ ok: true });
    expect(cast(c)).toMatchObject({ error: { code: 'vote_budget' } });
    expect(run({ type: 'vote.retract', roundId: round, noteId: a }, P('p1'))).toEqual({ ok: true });
    expect(cast(c)).toEqual({ ok: true });
    expect([...state.votesOf(round, 'p1')]).toEqual([
      [a, 1],
      [b, 1],
      [c, 1],
    ]);
  });

  it.each(['note.hide', 'note.delete'] as const)(
    'dots on a note that is then %s stay counted against the budget',
    (type) => {
      const { run, notes, round } = voting(false);
      const [a, b, c] = notes as [string, string, string];
      const cast = (noteId: string) => run({ type: 'vote.cast', roundId: round, noteId }, P('p1'));
      expect(cast(a)).toEqual({ ok: true });
      expect(cast(a)).toEqual({ ok: true });
      expect(cast(b)).toEqual({ ok: true });
      expect(run({ type, id: a })).toEqual({ ok: true });
      // Three dots given in a three-dot round: none comes back with the note gone.
      expect(cast(c)).toMatchObject({ error: { code: 'vote_budget' } });
    },
  );

  it('with totals hidden, the document shows none until the round ends; then it shows all', () => {
    const { doc, run, notes, round } = voting(false);
    run({ type: 'vote.cast', roundId: round, noteId: notes[0]! }, P('p1'));
    run({ type: 'vote.cast', roundId: round, noteId: notes[0]! }, P('p2'));
    run({ type: 'vote.cast', roundId: round, noteId: notes[1]! }, P('p3'));
    expect(listNotes(doc).map((x) => x.votes[round] ?? 0)).toEqual([0, 0, 0]);
    run({ type: 'vote.end', roundId: round });
    expect(listNotes(doc).map((x) => x.votes[round] ?? 0)).toEqual([2, 1, 0]);
    expect(readBoard(doc).rounds[0]?.state).toBe('closed');
    expect(run({ type: 'vote.cast', roundId: round, noteId: notes[2]! }, P('p1'))).toMatchObject({
      error: { code: 'round_closed' },
    });
  });

  it('only notes of the round’s prompts can be voted on', () => {
    const b = board('retro');
    const [first] = listPrompts(b.doc);
    const inside = id();
    const outside = id();
    b.run({ type: 'note.add', id: inside, x: first!.x + 10, y: first!.y + 10, text: '' });
    b.run({ type: 'note.add', id: outside, x: -5000, y: 0, text: '' });
    const round = id();
    b.run({ type: 'vote.start', roundId: round, dots: 3, maxPerNote: 1, promptIds: [first!.id] });
    expect(b.run({ type: 'vote.cast', roundId: round, noteId: inside }, P('p1'))).toEqual({
      ok: true,
    });
    expect(b.run({ type: 'vote.cast', roundId: round, noteId: outside }, P('p1'))).toMatchObject({
      error: { code: 'not_votable' },
    });
  });
});

describe('reactions', () => {
  it('counts one of each per person, and a second click takes it back', () => {
    const { doc, run } = board();
    const a = id();
    run({ type: 'note.add', id: a, x: 0, y: 0, text: '' });
    run({ type: 'reaction.toggle', noteId: a, reaction: 'heart' }, P('p1'));
    run({ type: 'reaction.toggle', noteId: a, reaction: 'heart' }, P('p2'));
    run({ type: 'reaction.toggle', noteId: a, reaction: 'clap' }, P('p1'));
    expect(getNote(doc, a)?.reactions).toEqual({ heart: 2, clap: 1 });
    run({ type: 'reaction.toggle', noteId: a, reaction: 'heart' }, P('p1'));
    expect(getNote(doc, a)?.reactions).toEqual({ heart: 1, clap: 1 });
  });
});

describe('station assignment', () => {
  it('balanced fills the emptiest station; mixed spreads each group', () => {
    const b = board('stations', { stations: 3, assignment: 'balanced' });
    const picks: string[] = [];
    for (let i = 0; i < 6; i++) {
      const s = assignStation(b.doc, b.state, 'g1')!;
      b.state.apply({ kind: 'station', participantId: `x${i}`, promptId: s });
      picks.push(s);
    }
    const counts = new Map<string, number>();
    for (const s of picks) counts.set(s, (counts.get(s) ?? 0) + 1);
    expect([...counts.values()]).toEqual([2, 2, 2]);

    const m = board('stations', { stations: 2, assignment: 'mixed' });
    const add = (pid: string, group: string) => {
      m.state.addParticipant({ id: pid, group, name: null, revoked: false });
      const s = assignStation(m.doc, m.state, group)!;
      m.state.apply({ kind: 'station', participantId: pid, promptId: s });
      return s;
    };
    const j1 = add('j1', 'g3');
    const j2 = add('j2', 'g3');
    expect(j1).not.toBe(j2);
  });
});

describe('moving and moderating keep what belongs to a note', () => {
  it('the annual clock moves with its prompt, and its notes keep their months', () => {
    const { doc, run } = board('wheel');
    const w = readMeta(doc).wheel!;
    const prompt = listPrompts(doc)[0]!;
    const note = id();
    run(
      {
        type: 'note.add',
        id: note,
        x: w.x + w.r * 0.5 - NOTE_SIZE / 2,
        y: w.y - NOTE_SIZE / 2,
        text: '',
      },
      P('p1'),
    );
    const month = getNote(doc, note)!.month;
    expect(month).toBe(4);
    run({ type: 'prompt.update', id: prompt.id, x: prompt.x + 500, y: prompt.y + 300 });
    expect(readMeta(doc).wheel).toEqual({ ...w, x: w.x + 500, y: w.y + 300 });
    expect(getNote(doc, note)!.month).toBe(month);
  });

  it('a hidden note gets its reactions and votes back when restored', () => {
    const { doc, run } = board();
    const a = id();
    run({ type: 'note.add', id: a, x: 0, y: 0, text: 'x' });
    run({ type: 'reaction.toggle', noteId: a, reaction: 'idea' }, P('p1'));
    run({ type: 'note.hide', id: a });
    run({ type: 'note.unhide', id: a });
    expect(getNote(doc, a)?.reactions).toEqual({ idea: 1 });
    // The count stays consistent with who reacted: taking it back goes to zero, not below.
    run({ type: 'reaction.toggle', noteId: a, reaction: 'idea' }, P('p1'));
    expect(getNote(doc, a)?.reactions).toEqual({});
  });
});
