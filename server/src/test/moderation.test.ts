import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { listNotes, newSecret, SyncCloseCode, syncSubprotocols } from '@pajataulu/shared';
import {
  createBoard,
  handshake,
  joinBoard,
  newId,
  TestClient,
  useServer,
  waitFor,
} from './harness.js';

describe('facilitator moderation', () => {
  const fx = useServer();

  it('a removed participant is disconnected, cannot come back, and their notes stay', async () => {
    const board = await createBoard(fx.server.url);
    const f = await TestClient.connect(fx.server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const joined = await joinBoard(fx.server.url, board.code);
    const p = await TestClient.connect(fx.server.url, board.boardId, { token: joined.token });
    fx.clients.push(f, p);
    const noteId = newId();
    await f.visible(await p.command({ type: 'note.add', id: noteId, x: 0, y: 0, text: 'asiaton' }));
    let removed = false;
    p.socket.on('removed', () => (removed = true));
    let syncClose = 0;
    p.provider.on('connection-close', (e) => (syncClose = e?.code ?? syncClose));

    // The facilitator removes the author of a note without learning who it is.
    expect(await f.command({ type: 'participant.remove', noteId })).toMatchObject({ ok: true });
    await waitFor(() => removed && !p.socket.connected, 2_000, 'removal');
    await waitFor(() => syncClose === SyncCloseCode.Revoked, 2_000, 'sync connection closed');
    expect(await handshake(fx.server.url, { board: board.boardId, token: joined.token })).toEqual({
      code: 'unauthorized',
    });
    const ws = new WebSocket(
      `${fx.server.url.replace('http', 'ws')}/sync/${board.boardId}`,
      syncSubprotocols({ token: joined.token }),
    );
    expect(await new Promise((r) => ws.on('close', (code) => r(code)))).toBe(
      SyncCloseCode.Unauthorized,
    );
    expect(listNotes(f.doc).map((n) => n.id)).toEqual([noteId]);
  });

  it('rotating the facilitator key cuts off old links at once', async () => {
    const board = await createBoard(fx.server.url);
    const f = await TestClient.connect(fx.server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const coFacilitator = await TestClient.connect(fx.server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    fx.clients.push(f, coFacilitator);
    // The client makes the new key, so a retry after a lost acknowledgement cannot lose it.
    const newKey = newSecret();
    const commandId = newId();
    const rotate = () => f.command({ type: 'board.rotateKey', key: newKey }, commandId);
    expect(await rotate()).toMatchObject({ ok: true, applied: true });
    await waitFor(
      () => !coFacilitator.socket.connected || !f.socket.connected,
      2_000,
      'old sessions end',
    );
    expect(
      await handshake(fx.server.url, {
        board: board.boardId,
        facilitatorKey: board.facilitatorKey,
      }),
    ).toEqual({ code: 'unauthorized' });
    expect(await handshake(fx.server.url, { board: board.boardId, facilitatorKey: newKey })).toBe(
      'connected',
    );
  });

  it('a hidden note disappears for participants; facilitators still see it offstage and can restore it', async () => {
    const board = await createBoard(fx.server.url);
    const f = await TestClient.connect(fx.server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const p = await TestClient.connect(fx.server.url, board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    fx.clients.push(f, p);
    const noteId = newId();
    await p.command({ type: 'note.add', id: noteId, x: 0, y: 0, text: 'piilotettava' });
    const hidden: string[] = [];
    f.socket.on('offstage', (c: { upsert: { id: string }[] }) =>
      hidden.push(...c.upsert.map((n) => n.id)),
    );
    await p.visible(await f.command({ type: 'note.hide', id: noteId }));
    expect(listNotes(p.doc)).toHaveLength(0);
    await waitFor(() => hidden.includes(noteId), 2_000, 'offstage event to facilitators');
    const f2 = await TestClient.connect(fx.server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    fx.clients.push(f2);
    expect(f2.session?.offstage.map((n) => [n.id, n.state])).toEqual([[noteId, 'hidden']]);
    await p.visible(await f.command({ type: 'note.unhide', id: noteId }));
    expect(listNotes(p.doc).map((n) => n.text)).toEqual(['piilotettava']);
  });

  it('any facilitator device is told the projector link; participants and projectors are not', async () => {
    const board = await createBoard(fx.server.url);
    const f = await TestClient.connect(fx.server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const p = await TestClient.connect(fx.server.url, board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    const x = await TestClient.connect(fx.server.url, board.boardId, {
      projectorKey: board.projectorKey,
    });
    fx.clients.push(f, p, x);
    expect(f.session?.projectorKey).toBe(board.projectorKey);
    expect(p.session?.projectorKey).toBeUndefined();
    expect(x.session?.projectorKey).toBeUndefined();
  });
});
