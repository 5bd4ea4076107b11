import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listNotes, readBoard } from '@pajataulu/shared';
import {
  createBoard,
  joinBoard,
  newId,
  startCaptureProxy,
  startServer,
  TestClient,
  waitFor,
  type CaptureProxy,
  type TestServer,
} from './harness.js';

const SECRET = 'Esihenkilö ei kuuntele meitä';

describe('private writing and reveal', () => {
  let server: TestServer;
  let proxyB: CaptureProxy;
  let proxyF: CaptureProxy;
  const clients: TestClient[] = [];
  beforeEach(async () => {
    server = await startServer();
    proxyB = await startCaptureProxy(server.port);
    proxyF = await startCaptureProxy(server.port);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await proxyB.close();
    await proxyF.close();
    await server.close();
  });

  it('hidden notes reach nobody but their author until the reveal, then everyone at once', async () => {
    const board = await createBoard(server.url);
    const joinA = await joinBoard(server.url, board.code);
    const joinB = await joinBoard(server.url, board.code);
    const f = await TestClient.connect(proxyF.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const a = await TestClient.connect(server.url, board.boardId, { token: joinA.token });
    const b = await TestClient.connect(proxyB.url, board.boardId, { token: joinB.token });
    clients.push(f, a, b);
    const prompt = newId();
    await f.command({
      type: 'prompt.add',
      id: prompt,
      title: 'Psykologinen turvallisuus',
      x: 0,
      y: 0,
      w: 800,
      h: 600,
    });
    await f.command({ type: 'prompt.update', id: prompt, privateWriting: true });

    const offstageA: string[] = [];
    a.socket.on('offstage', (c: { upsert: { text: string }[] }) =>
      offstageA.push(...c.upsert.map((n) => n.text)),
    );
    const noteA = newId();
    const ack = await a.command({ type: 'note.add', id: noteA, x: 50, y: 50, text: SECRET });
    await b.visible(ack);
    await f.visible(ack);
    await waitFor(() => offstageA.includes(SECRET), 2_000, 'offstage event to the author');
    await b.command({ type: 'note.add', id: newId(), x: 100, y: 100, text: 'B:n oma' });
    await waitFor(() => readBoard(f.doc).prompts[0]?.waiting === 2, 2_000, 'waiting count');

    // Before the reveal: only the count is anywhere but at A.
    expect(listNotes(f.doc)).toHaveLength(0);
    expect(listNotes(b.doc)).toHaveLength(0);
    for (const proxy of [proxyB, proxyF])
      expect(proxy.received().includes(Buffer.from(SECRET))).toBe(false);

    // Reloads before the reveal keep both states right.
    const a2 = await TestClient.connect(server.url, board.boardId, { token: joinA.token });
    const b2 = await TestClient.connect(proxyB.url, board.boardId, { token: joinB.token });
    clients.push(a2, b2);
    expect(a2.session?.offstage.map((n) => n.text)).toEqual([SECRET]);
    expect(a2.session?.ownNotes).toContain(noteA);
    expect(b2.session?.offstage.map((n) => n.text)).toEqual(['B:n oma']);
    expect(listNotes(a2.doc)).toHaveLength(0);
    expect(proxyB.received().includes(Buffer.from(SECRET))).toBe(false);

    // The reveal: both notes land in one update, for everyone.
    const reveal = await f.command({ type: 'board.reveal', promptId: prompt });
    for (const c of [f, a, b, a2, b2]) await c.visible(reveal);
    for (const c of [f, a, b, a2, b2]) {
      expect(
        listNotes(c.doc)
          .map((n) => n.text)
          .sort(),
      ).toEqual(['B:n oma', SECRET]);
    }
    expect(readBoard(b.doc).prompts[0]?.waiting).toBe(0);
    expect(proxyB.received().includes(Buffer.from(SECRET))).toBe(true);

    // Reloads after the reveal.
    const a3 = await TestClient.connect(server.url, board.boardId, { token: joinA.token });
    clients.push(a3);
    expect(a3.session?.offstage).toEqual([]);
    expect(
      listNotes(a3.doc)
        .map((n) => n.text)
        .sort(),
    ).toEqual(['B:n oma', SECRET]);
  });

  it('private notes survive a restart unrevealed', async () => {
    const board = await createBoard(server.url);
    const joinA = await joinBoard(server.url, board.code);
    const f = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const a = await TestClient.connect(server.url, board.boardId, { token: joinA.token });
    await f.command({ type: 'board.update', privateWriting: true });
    await a.command({ type: 'note.add', id: newId(), x: 0, y: 0, text: SECRET });
    f.close();
    a.close();
    const dataDir = server.dataDir;
    await server.close();
    server = await startServer({ dataDir });
    const a2 = await TestClient.connect(server.url, board.boardId, { token: joinA.token });
    const f2 = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    clients.push(a2, f2);
    expect(a2.session?.offstage.map((n) => n.text)).toEqual([SECRET]);
    expect(listNotes(f2.doc)).toHaveLength(0);
    expect(readBoard(f2.doc).meta.waiting).toBe(1);
    await f2.visible(await f2.command({ type: 'board.update', privateWriting: false }));
    expect(listNotes(f2.doc).map((n) => n.text)).toEqual([SECRET]);
  });
});
