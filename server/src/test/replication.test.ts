import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getNote, listNotes, listPrompts, readMeta } from '@pajataulu/shared';
import { createBoard, joinBoard, newId, TestClient, useServer, waitFor } from './harness.js';

describe('live replication through the server', () => {
  const fx = useServer();

  async function connect(boardId: string, creds: Parameters<typeof TestClient.connect>[2]) {
    const c = await TestClient.connect(fx.server.url, boardId, creds);
    fx.clients.push(c);
    return c;
  }

  it('a note one participant adds, moves and edits shows in another participant’s replica', async () => {
    const board = await createBoard(fx.server.url);
    const a = await connect(board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    const b = await connect(board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    const id = newId();

    const added = await a.command({ type: 'note.add', id, x: 10, y: 20, text: 'Hyvä kysymys' });
    expect(added).toMatchObject({ ok: true, applied: true });
    await b.visible(added);
    expect(getNote(b.doc, id)).toMatchObject({
      text: 'Hyvä kysymys',
      x: 10,
      y: 20,
      color: 'yellow',
    });

    await b.visible(await a.command({ type: 'note.move', id, x: 300, y: 400 }));
    expect(getNote(b.doc, id)).toMatchObject({ x: 300, y: 400 });

    await b.visible(
      await a.command({ type: 'note.update', id, text: 'Äänestetään, ja sitten å', color: 'blue' }),
    );
    expect(getNote(b.doc, id)).toMatchObject({ text: 'Äänestetään, ja sitten å', color: 'blue' });

    await b.visible(await a.command({ type: 'note.delete', id }));
    expect(getNote(b.doc, id)).toBeUndefined();
  });

  it('the author’s own replica receives its change from the server, like everyone else', async () => {
    const board = await createBoard(fx.server.url);
    const a = await connect(board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    const id = newId();
    const ack = await a.command({ type: 'note.add', id, x: 0, y: 0, text: 'oma' });
    await a.visible(ack);
    expect(getNote(a.doc, id)?.text).toBe('oma');
  });

  it('a facilitator’s prompts reach participants, and moving a prompt carries its notes', async () => {
    const board = await createBoard(fx.server.url, 'Luottamus');
    const f = await connect(board.boardId, { facilitatorKey: board.facilitatorKey });
    const p = await connect(board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    expect(readMeta(p.doc).title).toBe('Luottamus');

    const promptId = newId();
    await p.visible(
      await f.command({
        type: 'prompt.add',
        id: promptId,
        title: 'Arvostava kohtaaminen',
        x: 0,
        y: 0,
        w: 600,
        h: 400,
      }),
    );
    const noteId = newId();
    await p.visible(
      await p.command({ type: 'note.add', id: noteId, x: 100, y: 100, text: 'kuunnellaan' }),
    );
    expect(getNote(p.doc, noteId)?.promptId).toBe(promptId);

    await p.visible(
      await f.command({
        type: 'prompt.update',
        id: promptId,
        x: 1000,
        y: 50,
        title: 'Kohtaaminen',
      }),
    );
    expect(listPrompts(p.doc)[0]).toMatchObject({ title: 'Kohtaaminen', x: 1000, y: 50 });
    expect(getNote(p.doc, noteId)).toMatchObject({ x: 1100, y: 150, promptId });

    await p.visible(await f.command({ type: 'prompt.delete', id: promptId }));
    expect(listPrompts(p.doc)).toHaveLength(0);
    expect(getNote(p.doc, noteId)?.promptId).toBeNull();
  });

  it('a client joining late gets the whole board in its first sync', async () => {
    const board = await createBoard(fx.server.url);
    const a = await connect(board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    for (let i = 0; i < 20; i++)
      await a.command({ type: 'note.add', id: newId(), x: i * 10, y: 0, text: `n${i}` });
    const late = await connect(board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    expect(listNotes(late.doc)).toHaveLength(20);
    expect(Y.encodeStateAsUpdate(late.doc)).toEqual(
      Y.encodeStateAsUpdate((await fx.server.app.registry.get(board.boardId)).doc),
    );
  });

  it('tells each participant which notes are theirs, and tells nobody else', async () => {
    const board = await createBoard(fx.server.url);
    const joined = await joinBoard(fx.server.url, board.code);
    const a = await connect(board.boardId, { token: joined.token });
    const other = await connect(board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    const id = newId();
    await a.command({ type: 'note.add', id, x: 0, y: 0 });
    const secondTab = await connect(board.boardId, { token: joined.token });
    expect(secondTab.session?.ownNotes).toEqual([id]);
    expect(other.session?.ownNotes).toEqual([]);

    const seen: string[][] = [];
    secondTab.socket.on('own.notes', (ids: string[]) => seen.push(ids));
    const id2 = newId();
    await a.command({ type: 'note.add', id: id2, x: 0, y: 0 });
    await waitFor(() => seen.length > 0, 2_000, 'own.notes');
    expect(seen).toEqual([[id2]]);
  });

  it("tells a person's other tab of a new note, and neither the tab that wrote it nor anyone else", async () => {
    const board = await createBoard(fx.server.url);
    const joined = await joinBoard(fx.server.url, board.code);
    const writer = await connect(board.boardId, { token: joined.token });
    const secondTab = await connect(board.boardId, { token: joined.token });
    const other = await connect(board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    const f = await connect(board.boardId, { facilitatorKey: board.facilitatorKey });
    const seen = new Map<TestClient, string[][]>();
    for (const c of [writer, secondTab, other, f]) {
      seen.set(c, []);
      c.socket.on('own.notes', (ids: string[]) => seen.get(c)!.push(ids));
    }
    const id = newId();
    const ack = await writer.command({ type: 'note.add', id, x: 0, y: 0 });
    await waitFor(() => seen.get(secondTab)!.length > 0, 2_000, 'own.notes');
    // The writer's notice, were there one, would arrive before its acknowledgement; the others
    // are not in the writer's room at all.
    for (const c of [writer, other, f]) await c.visible(ack);
    expect(seen.get(secondTab)).toEqual([[id]]);
    expect(seen.get(writer)).toEqual([]);
    expect(seen.get(other)).toEqual([]);
    expect(seen.get(f)).toEqual([]);
  });

  it('counts participants (a person with two tabs once) in presence', async () => {
    const board = await createBoard(fx.server.url);
    const f = await connect(board.boardId, { facilitatorKey: board.facilitatorKey });
    const counts: number[] = [];
    f.socket.on('presence', (p: { participants: number }) => counts.push(p.participants));
    const joined = await joinBoard(fx.server.url, board.code);
    await connect(board.boardId, { token: joined.token });
    await connect(board.boardId, { token: joined.token });
    await connect(board.boardId, { token: (await joinBoard(fx.server.url, board.code)).token });
    await waitFor(() => counts.at(-1) === 2, 3_000, 'presence of 2');
  });
});
