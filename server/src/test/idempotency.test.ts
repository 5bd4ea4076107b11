import { afterEach, describe, expect, it } from 'vitest';
import { listNotes, getNote } from '@pajataulu/shared';
import {
  createBoard,
  joinBoard,
  newId,
  startServer,
  TestClient,
  tempDataDir,
  type TestServer,
} from './harness.js';

describe('commands are idempotent', () => {
  const servers: TestServer[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.close();
  });

  it('a retried command id is applied once, even when the retries arrive together', async () => {
    const server = await startServer();
    servers.push(server);
    const board = await createBoard(server.url);
    const c = await TestClient.connect(server.url, board.boardId, {
      token: (await joinBoard(server.url, board.code)).token,
    });
    clients.push(c);
    const commandId = newId();
    const noteId = newId();
    const acks = await Promise.all(
      [0, 1, 2].map(() =>
        c.command({ type: 'note.add', id: noteId, x: 0, y: 0, text: 'kerran' }, commandId),
      ),
    );
    expect(acks.map((a) => a.ok && a.applied)).toEqual([true, false, false]);
    expect(
      await c.command({ type: 'note.add', id: noteId, x: 0, y: 0, text: 'kerran' }, commandId),
    ).toMatchObject({ ok: true, applied: false });
    expect(listNotes((await server.app.registry.get(board.boardId)).doc)).toHaveLength(1);
  });

  it('a move retried after the note moved on does not move it back', async () => {
    const server = await startServer();
    servers.push(server);
    const board = await createBoard(server.url);
    const c = await TestClient.connect(server.url, board.boardId, {
      token: (await joinBoard(server.url, board.code)).token,
    });
    clients.push(c);
    const noteId = newId();
    await c.command({ type: 'note.add', id: noteId, x: 0, y: 0 });
    const firstMove = newId();
    await c.command({ type: 'note.move', id: noteId, x: 100, y: 100 }, firstMove);
    await c.command({ type: 'note.move', id: noteId, x: 200, y: 200 });
    expect(
      await c.command({ type: 'note.move', id: noteId, x: 100, y: 100 }, firstMove),
    ).toMatchObject({ applied: false });
    expect(getNote((await server.app.registry.get(board.boardId)).doc, noteId)).toMatchObject({
      x: 200,
      y: 200,
    });
  });

  it('a command id applied before a restart is recognised after it', async () => {
    const dataDir = tempDataDir();
    const first = await startServer({ dataDir });
    const board = await createBoard(first.url);
    const joined = await joinBoard(first.url, board.code);
    const c1 = await TestClient.connect(first.url, board.boardId, { token: joined.token });
    const commandId = newId();
    const noteId = newId();
    expect(await c1.command({ type: 'note.add', id: noteId, x: 0, y: 0 }, commandId)).toMatchObject(
      { applied: true },
    );
    c1.close();
    await first.close();

    const second = await startServer({ dataDir });
    servers.push(second);
    const c2 = await TestClient.connect(second.url, board.boardId, { token: joined.token });
    clients.push(c2);
    expect(await c2.command({ type: 'note.add', id: noteId, x: 0, y: 0 }, commandId)).toMatchObject(
      { ok: true, applied: false },
    );
    expect(listNotes(c2.doc)).toHaveLength(1);
  });

  it('the same command id from two different participants is two commands', async () => {
    const server = await startServer();
    servers.push(server);
    const board = await createBoard(server.url);
    const a = await TestClient.connect(server.url, board.boardId, {
      token: (await joinBoard(server.url, board.code)).token,
    });
    const b = await TestClient.connect(server.url, board.boardId, {
      token: (await joinBoard(server.url, board.code)).token,
    });
    clients.push(a, b);
    const commandId = newId();
    expect(await a.command({ type: 'note.add', id: newId(), x: 0, y: 0 }, commandId)).toMatchObject(
      { applied: true },
    );
    expect(await b.command({ type: 'note.add', id: newId(), x: 0, y: 0 }, commandId)).toMatchObject(
      { applied: true },
    );
  });
});
