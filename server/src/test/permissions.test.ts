import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNote, getPrompt, listNotes } from '@pajataulu/shared';
import {
  createBoard,
  joinBoard,
  newId,
  startServer,
  TestClient,
  type TestServer,
} from './harness.js';

describe('permissions are enforced by the server', () => {
  let server: TestServer;
  let board: Awaited<ReturnType<typeof createBoard>>;
  let facilitator: TestClient;
  let owner: TestClient;
  let other: TestClient;
  let projector: TestClient;
  let promptId: string;
  let noteId: string;

  beforeAll(async () => {
    server = await startServer();
    board = await createBoard(server.url);
    facilitator = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    owner = await TestClient.connect(server.url, board.boardId, {
      token: (await joinBoard(server.url, board.code)).token,
    });
    other = await TestClient.connect(server.url, board.boardId, {
      token: (await joinBoard(server.url, board.code)).token,
    });
    projector = await TestClient.connect(server.url, board.boardId, {
      projectorKey: board.projectorKey,
    });
    promptId = newId();
    await facilitator.command({
      type: 'prompt.add',
      id: promptId,
      title: 'Kysymys',
      x: 0,
      y: 0,
      w: 500,
      h: 500,
    });
    noteId = newId();
    await other.visible(
      await owner.command({ type: 'note.add', id: noteId, x: 10, y: 10, text: 'minun' }),
    );
  });
  afterAll(async () => {
    for (const c of [facilitator, owner, other, projector]) c.close();
    await server.close();
  });

  const forbidden = { ok: false, error: { code: 'forbidden' } };

  it('a participant cannot move, edit or delete another participant’s note', async () => {
    expect(await other.command({ type: 'note.move', id: noteId, x: 99, y: 99 })).toMatchObject(
      forbidden,
    );
    expect(
      await other.command({ type: 'note.update', id: noteId, text: 'muutettu' }),
    ).toMatchObject(forbidden);
    expect(await other.command({ type: 'note.delete', id: noteId })).toMatchObject(forbidden);
    expect(getNote((await server.app.registry.get(board.boardId)).doc, noteId)).toMatchObject({
      text: 'minun',
      x: 10,
      y: 10,
    });
  });

  it('a participant cannot add, change or delete prompts, nor retitle the board', async () => {
    expect(
      await owner.command({
        type: 'prompt.add',
        id: newId(),
        title: 'x',
        x: 0,
        y: 0,
        w: 200,
        h: 200,
      }),
    ).toMatchObject(forbidden);
    expect(await owner.command({ type: 'prompt.update', id: promptId, title: 'x' })).toMatchObject(
      forbidden,
    );
    expect(await owner.command({ type: 'prompt.delete', id: promptId })).toMatchObject(forbidden);
    expect(await owner.command({ type: 'board.update', title: 'x' })).toMatchObject(forbidden);
    expect(getPrompt((await server.app.registry.get(board.boardId)).doc, promptId)?.title).toBe(
      'Kysymys',
    );
  });

  it('a projector can change nothing', async () => {
    expect(await projector.command({ type: 'note.add', id: newId(), x: 0, y: 0 })).toMatchObject(
      forbidden,
    );
    expect(await projector.command({ type: 'note.move', id: noteId, x: 0, y: 0 })).toMatchObject(
      forbidden,
    );
  });

  it('the author can change their own note, and the facilitator can change any', async () => {
    expect(
      await owner.command({ type: 'note.update', id: noteId, text: 'minun, muokattu' }),
    ).toMatchObject({ ok: true });
    expect(
      await facilitator.command({ type: 'note.move', id: noteId, x: 50, y: 60 }),
    ).toMatchObject({ ok: true });
    const n = getNote((await server.app.registry.get(board.boardId)).doc, noteId);
    expect(n).toMatchObject({ text: 'minun, muokattu', x: 50, y: 60 });
  });

  it('a command on a note that does not exist is not_found', async () => {
    expect(await owner.command({ type: 'note.move', id: newId(), x: 0, y: 0 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await facilitator.command({ type: 'note.delete', id: newId() })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(
      await facilitator.command({ type: 'prompt.update', id: newId(), title: 'x' }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('a note id already taken is refused, and the existing note is untouched', async () => {
    const ack = await other.command({ type: 'note.add', id: noteId, x: 0, y: 0, text: 'kaappaus' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'already_exists' } });
    const doc = (await server.app.registry.get(board.boardId)).doc;
    expect(getNote(doc, noteId)?.text).toBe('minun, muokattu');
    // And the would-be hijacker does not become its author.
    expect(await other.command({ type: 'note.delete', id: noteId })).toMatchObject(forbidden);
    expect(listNotes(doc)).toHaveLength(1);
  });
});
