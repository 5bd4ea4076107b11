/**
 * Every command × every kind of caller → allowed, or the exact error; a refused command changes
 * neither the document nor server-private state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { COMMAND_TYPES, type CommandType } from '@pajataulu/shared';
import {
  createBoard,
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
const EXPECTED: Record<CommandType, Record<Column, string>> = {
  'note.add': {
    facilitator: 'ok',
    owner: 'ok',
    other: 'ok',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'locked',
    lockedPrompt: 'locked',
  },
  'note.move': {
    facilitator: 'ok',
    owner: 'ok',
    other: 'forbidden',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'locked',
    lockedPrompt: 'locked',
  },
  'note.update': {
    facilitator: 'ok',
    owner: 'ok',
    other: 'forbidden',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'locked',
    lockedPrompt: 'locked',
  },
  'note.delete': {
    facilitator: 'ok',
    owner: 'ok',
    other: 'forbidden',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'locked',
    lockedPrompt: 'locked',
  },
  'note.hide': {
    facilitator: 'ok',
    owner: 'forbidden',
    other: 'forbidden',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'forbidden',
    lockedPrompt: 'forbidden',
  },
  'note.unhide': {
    facilitator: 'ok',
    owner: 'forbidden',
    other: 'forbidden',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'forbidden',
    lockedPrompt: 'forbidden',
  },
  'prompt.add': {
    facilitator: 'ok',
    owner: 'forbidden',
    other: 'forbidden',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'forbidden',
    lockedPrompt: 'forbidden',
  },
  'prompt.update': {
    facilitator: 'ok',
    owner: 'forbidden',
    other: 'forbidden',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'forbidden',
    lockedPrompt: 'forbidden',
  },
  'prompt.delete': {
    facilitator: 'ok',
    owner: 'forbidden',
    other: 'forbidden',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'forbidden',
    lockedPrompt: 'forbidden',
  },
  'board.update': {
    facilitator: 'ok',
    owner: 'forbidden',
    other: 'forbidden',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'forbidden',
    lockedPrompt: 'forbidden',
  },
  'board.reveal': {
    facilitator: 'ok',
    owner: 'forbidden',
    other: 'forbidden',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'forbidden',
    lockedPrompt: 'forbidden',
  },
  'board.rotateKey': {
    facilitator: 'ok',
    owner: 'forbidden',
    other: 'forbidden',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'forbidden',
    lockedPrompt: 'forbidden',
  },
  'participant.remove': {
    facilitator: 'ok',
    owner: 'forbidden',
    other: 'forbidden',
    projector: 'forbidden',
    revoked: 'unauthorized',
    lockedBoard: 'forbidden',
    lockedPrompt: 'forbidden',
  },
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
    server = await startServer();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  it('covers every command', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...COMMAND_TYPES].sort());
  });

  async function fixture(): Promise<Fixture> {
    const board = await createBoard(server.url);
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
      x: 0,
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
      await f.owner.command({ type: 'note.add', id: noteId, x: 10, y: 10, text: 'kohde' }),
    ).toMatchObject({ ok: true });
    const hiddenId = newId();
    await f.owner.command({ type: 'note.add', id: hiddenId, x: 20, y: 20 });
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
    return { noteId, hiddenId, otherNote, promptQ };
  }

  function commandFor(
    type: CommandType,
    t: Awaited<ReturnType<typeof targets>>,
  ): Record<string, unknown> {
    switch (type) {
      case 'note.add':
        return { type, id: newId(), x: 10, y: 10, text: 'uusi' };
      case 'note.move':
        return { type, id: t.noteId, x: 30, y: 30 };
      case 'note.update':
        return { type, id: t.noteId, text: 'muutettu' };
      case 'note.delete':
        return { type, id: t.noteId };
      case 'note.hide':
        return { type, id: t.noteId };
      case 'note.unhide':
        return { type, id: t.hiddenId };
      case 'prompt.add':
        return { type, id: newId(), title: 'R', x: 9000, y: 0, w: 200, h: 200 };
      case 'prompt.update':
        return { type, id: t.promptQ, title: 'Q2' };
      case 'prompt.delete':
        return { type, id: t.promptQ };
      case 'board.update':
        return { type, title: 'Uusi otsikko' };
      case 'board.reveal':
        return { type };
      case 'board.rotateKey':
        return { type };
      case 'participant.remove':
        return { type, noteId: t.otherNote };
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
