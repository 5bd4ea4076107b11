/**
 * Every command × every kind of caller → allowed, or the exact error; a refused command changes
 * neither the document nor server-private state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { COMMAND_TYPES, listPrompts, newSecret, type CommandType } from '@pajataulu/shared';
import {
  createBoardWith,
  handshake,
  joinBoard,
  newId,
  startServer,
  TestClient,
  type CreatedBoard,
  type TestServer,
} from './harness.js';

type Column =
  'facilitator' | 'owner' | 'other' | 'projector' | 'revoked' | 'lockedBoard' | 'lockedPrompt';
const COLUMNS: Column[] = [
  'facilitator',
  'owner',
  'other',
  'projector',
  'revoked',
  'lockedBoard',
  'lockedPrompt',
];

// ok | error code. Columns in the order above. `lockedBoard` and `lockedPrompt` are the note's
// owner acting on a locked board / on a note in a locked prompt.
/** Prompt P lies apart from the board's stations, so which prompt holds a note is never a tie. */
const PX = -3000;

const FACILITATOR_ONLY: Record<Column, string> = {
  facilitator: 'ok',
  owner: 'forbidden',
  other: 'forbidden',
  projector: 'forbidden',
  revoked: 'unauthorized',
  lockedBoard: 'forbidden',
  lockedPrompt: 'forbidden',
};
// Voting, reacting and picking a station are not note edits: locks do not stop them.
// prettier-ignore
const EXPECTED: Record<CommandType, Record<Column, string>> = {
  'note.add':             { facilitator: 'ok', owner: 'ok', other: 'ok', projector: 'forbidden', revoked: 'unauthorized', lockedBoard: 'locked', lockedPrompt: 'locked' },
  'note.move':            { facilitator: 'ok', owner: 'ok', other: 'forbidden', projector: 'forbidden', revoked: 'unauthorized', lockedBoard: 'locked', lockedPrompt: 'locked' },
  'note.update':          { facilitator: 'ok', owner: 'ok', other: 'forbidden', projector: 'forbidden', revoked: 'unauthorized', lockedBoard: 'locked', lockedPrompt: 'locked' },
  'note.delete':          { facilitator: 'ok', owner: 'ok', other: 'forbidden', projector: 'forbidden', revoked: 'unauthorized', lockedBoard: 'locked', lockedPrompt: 'locked' },
  'note.hide':            FACILITATOR_ONLY,
  'note.unhide':          FACILITATOR_ONLY,
  'prompt.add':           FACILITATOR_ONLY,
  'prompt.update':        FACILITATOR_ONLY,
  'prompt.delete':        FACILITATOR_ONLY,
  'board.update':         FACILITATOR_ONLY,
  'board.reveal':         FACILITATOR_ONLY,
  'board.rotateKey':      FACILITATOR_ONLY,
  'participant.remove':   FACILITATOR_ONLY,
  'timer.set':            FACILITATOR_ONLY,
  'timer.start':          FACILITATOR_ONLY,
  'timer.pause':          FACILITATOR_ONLY,
  'timer.stop':           FACILITATOR_ONLY,
  'timer.addTime':        FACILITATOR_ONLY,
  'vote.start':           FACILITATOR_ONLY,
  'vote.end':             FACILITATOR_ONLY,
  'notes.move':           FACILITATOR_ONLY,
  'notes.update':         FACILITATOR_ONLY,
  'cluster.add':          FACILITATOR_ONLY,
  'cluster.update':       FACILITATOR_ONLY,
  'cluster.delete':       FACILITATOR_ONLY,
  'follow.set':           FACILITATOR_ONLY,
  'template.insert':      FACILITATOR_ONLY,
  'vote.cast':            { facilitator: 'forbidden', owner: 'ok', other: 'ok', projector: 'forbidden', revoked: 'unauthorized', lockedBoard: 'ok', lockedPrompt: 'ok' },
  'vote.retract':         { facilitator: 'forbidden', owner: 'ok', other: 'ok', projector: 'forbidden', revoked: 'unauthorized', lockedBoard: 'ok', lockedPrompt: 'ok' },
  'reaction.toggle':      { facilitator: 'ok', owner: 'ok', other: 'ok', projector: 'forbidden', revoked: 'unauthorized', lockedBoard: 'ok', lockedPrompt: 'ok' },
  'station.choose':       { facilitator: 'forbidden', owner: 'ok', other: 'ok', projector: 'forbidden', revoked: 'unauthorized', lockedBoard: 'ok', lockedPrompt: 'ok' },
};

interface Fixture {
  board: CreatedBoard;
  facilitator: TestClient;
  owner: TestClient;
  other: TestClient;
  projector: TestClient;
  revokedToken: string;
  promptP: string;
}

describe('permission matrix', () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    // The matrix sends commands faster than a person would; rate limits are tested elsewhere.
    server = await startServer({
      env: { RATE_COMMAND_BURST: '100000', RATE_NOTES_PER_MINUTE: '100000' },
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  it('covers every command', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...COMMAND_TYPES].sort());
  });

  async function fixture(): Promise<Fixture> {
    // A stations board where participants pick their station, so `station.choose` applies.
    const board = await createBoardWith(server.url, {
      template: 'stations',
      stations: 2,
      assignment: 'self',
    });
    const connect = async (creds: Parameters<typeof TestClient.connect>[2]) => {
      const c = await TestClient.connect(server.url, board.boardId, creds);
      clients.push(c);
      return c;
    };
    const facilitator = await connect({ facilitatorKey: board.facilitatorKey });
    const owner = await connect({ token: (await joinBoard(server.url, board.code)).token });
    const other = await connect({ token: (await joinBoard(server.url, board.code)).token });
    const projector = await connect({ projectorKey: board.projectorKey });
    const revoked = await joinBoard(server.url, board.code);
    const promptP = newId();
    await facilitator.command({
      type: 'prompt.add',
      id: promptP,
      title: 'P',
      x: PX,
      y: 0,
      w: 600,
      h: 600,
    });
    const r = await TestClient.connect(server.url, board.boardId, { token: revoked.token });
    const revokedNote = newId();
    await r.command({ type: 'note.add', id: revokedNote, x: 2000, y: 2000 });
    expect(
      await facilitator.command({ type: 'participant.remove', noteId: revokedNote }),
    ).toMatchObject({ ok: true });
    r.close();
    return { board, facilitator, owner, other, projector, revokedToken: revoked.token, promptP };
  }

  /** Fresh targets for one cell, made by people allowed to make them. */
  async function targets(f: Fixture) {
    const noteId = newId();
    expect(
      await f.owner.command({ type: 'note.add', id: noteId, x: PX + 10, y: 10, text: 'kohde' }),
    ).toMatchObject({ ok: true });
    const hiddenId = newId();
    await f.owner.command({ type: 'note.add', id: hiddenId, x: PX + 20, y: 20 });
    await f.facilitator.command({ type: 'note.hide', id: hiddenId });
    // A fresh author for `participant.remove`, so removing them leaves the fixture intact.
    const otherNote = newId();
    const author = await TestClient.connect(server.url, f.board.boardId, {
      token: (await joinBoard(server.url, f.board.code)).token,
    });
    await author.command({ type: 'note.add', id: otherNote, x: 3000, y: 3000 });
    author.close();
    const promptQ = newId();
    await f.facilitator.command({
      type: 'prompt.add',
      id: promptQ,
      title: 'Q',
      x: 5000,
      y: 0,
      w: 300,
      h: 300,
    });
    await f.facilitator.command({ type: 'timer.set', durationMs: 60_000 });
    const roundId = newId();
    await f.facilitator.command({ type: 'vote.start', roundId, dots: 5, maxPerNote: 5 });
    for (const p of [f.owner, f.other]) {
      expect(await p.command({ type: 'vote.cast', roundId, noteId })).toMatchObject({ ok: true });
    }
    const clusterId = newId();
    await f.facilitator.command({
      type: 'cluster.add',
      id: clusterId,
      label: 'Teema',
      noteIds: [],
    });
    const live = await server.app.registry.get(f.board.boardId);
    const station = listPrompts(live.doc).find((p) => p.station !== null)!.id;
    return { noteId, hiddenId, otherNote, promptQ, roundId, clusterId, station };
  }

  function commandFor(
    type: CommandType,
    t: Awaited<ReturnType<typeof targets>>,
  ): Record<string, unknown> {
    // prettier-ignore
    switch (type) {
      case 'note.add': return { type, id: newId(), x: PX + 10, y: 10, text: 'uusi' };
      case 'note.move': return { type, id: t.noteId, x: PX + 30, y: 30 };
      case 'note.update': return { type, id: t.noteId, text: 'muutettu' };
      case 'note.delete': return { type, id: t.noteId };
      case 'note.hide': return { type, id: t.noteId };
      case 'note.unhide': return { type, id: t.hiddenId };
      case 'prompt.add': return { type, id: newId(), title: 'R', x: 9000, y: 0, w: 200, h: 200 };
      case 'prompt.update': return { type, id: t.promptQ, title: 'Q2' };
      case 'prompt.delete': return { type, id: t.promptQ };
      case 'board.update': return { type, title: 'Uusi otsikko' };
      case 'board.reveal': return { type };
      case 'board.rotateKey': return { type, key: newSecret() };
      case 'participant.remove': return { type, noteId: t.otherNote };
      case 'timer.set': return { type, durationMs: 120_000 };
      case 'timer.start':
      case 'timer.pause':
      case 'timer.stop':
      case 'timer.addTime': return { type };
      case 'vote.start': return { type, roundId: newId(), dots: 3, maxPerNote: 1 };
      case 'vote.end': return { type, roundId: t.roundId };
      case 'vote.cast':
      case 'vote.retract': return { type, roundId: t.roundId, noteId: t.noteId };
      case 'reaction.toggle': return { type, noteId: t.noteId, reaction: 'heart' };
      case 'notes.move': return { type, moves: [{ id: t.noteId, x: PX + 40, y: 40 }] };
      case 'notes.update': return { type, ids: [t.noteId], color: 'green' };
      case 'cluster.add': return { type, id: newId(), label: 'Uusi', noteIds: [t.noteId] };
      case 'cluster.update': return { type, id: t.clusterId, label: 'Muutettu' };
      case 'cluster.delete': return { type, id: t.clusterId };
      case 'follow.set': return { type, mode: 'view', x: 0, y: 0, zoom: 1 };
      case 'template.insert': return { type, template: 'retro', locale: 'fi', x: 0, y: 9000 };
      case 'station.choose': return { type, promptId: t.station };
    }
  }

  for (const column of COLUMNS) {
    it(`column ${column}`, async () => {
      const f = await fixture();
      const serverBoard = () => server.app.registry.get(f.board.boardId);
      // Rotating the key ends facilitator sessions, so it goes last.
      const order = [...COMMAND_TYPES].sort(
        (a, b) => Number(a === 'board.rotateKey') - Number(b === 'board.rotateKey'),
      );
      for (const type of order) {
        const t = await targets(f);
        if (column === 'lockedBoard')
          await f.facilitator.command({ type: 'board.update', locked: true });
        if (column === 'lockedPrompt')
          await f.facilitator.command({ type: 'prompt.update', id: f.promptP, locked: true });
        const expected = EXPECTED[type][column];
        const command = commandFor(type, t);
        const live = await serverBoard();
        const docBefore = Y.encodeStateAsUpdate(live.doc);
        const privateBefore = JSON.stringify([live.state.offstageNotes(), live.state.notesBy('x')]);
        let outcome: string;
        if (column === 'revoked') {
          const refusal = await handshake(server.url, {
            board: f.board.boardId,
            token: f.revokedToken,
          });
          outcome = (refusal as { code?: string }).code ?? String(refusal);
        } else {
          const actor = {
            facilitator: f.facilitator,
            owner: f.owner,
            other: f.other,
            projector: f.projector,
            lockedBoard: f.owner,
            lockedPrompt: f.owner,
          }[column];
          const ack = await actor.command(command);
          outcome = ack.ok ? 'ok' : ack.error.code;
        }
        expect(`${type}: ${outcome}`).toBe(`${type}: ${expected}`);
        if (expected !== 'ok') {
          expect(Y.encodeStateAsUpdate(live.doc)).toEqual(docBefore);
          expect(JSON.stringify([live.state.offstageNotes(), live.state.notesBy('x')])).toBe(
            privateBefore,
          );
        }
        if (column === 'lockedBoard')
          await f.facilitator.command({ type: 'board.update', locked: false });
        if (column === 'lockedPrompt')
          await f.facilitator.command({ type: 'prompt.update', id: f.promptP, locked: false });
      }
    });
  }
});
