import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getNote, listNotes, listPrompts } from '@pajataulu/shared';
import { openSqliteStorage } from '../storage/sqlite.js';
import {
  createBoard,
  exited,
  joinBoard,
  newId,
  spawnServer,
  startServer,
  TestClient,
  tempDataDir,
  waitFor,
  type ChildServer,
} from './harness.js';
import path from 'node:path';

describe('acknowledged means durable', () => {
  const clients: TestClient[] = [];
  const children: ChildServer[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of children.splice(0)) {
      s.proc.kill('SIGKILL');
      await exited(s.proc);
    }
  });

  it('after a restart the board and every acknowledged note are still there', async () => {
    const dataDir = tempDataDir();
    const first = await startServer({ dataDir });
    const board = await createBoard(first.url, 'Vuosikello');
    const f = await TestClient.connect(first.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const promptId = newId();
    await f.command({
      type: 'prompt.add',
      id: promptId,
      title: 'Maaliskuu',
      x: 0,
      y: 0,
      w: 400,
      h: 400,
    });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const id = newId();
      ids.push(id);
      expect(
        await f.command({ type: 'note.add', id, x: i, y: i, text: `muistiinpano ${i}` }),
      ).toMatchObject({ ok: true });
    }
    f.close();
    await first.close();

    const second = await startServer({ dataDir });
    try {
      const c = await TestClient.connect(second.url, board.boardId, {
        token: (await joinBoard(second.url, board.code)).token,
      });
      clients.push(c);
      expect(
        listNotes(c.doc)
          .map((n) => n.id)
          .sort(),
      ).toEqual([...ids].sort());
      expect(listPrompts(c.doc).map((p) => p.title)).toEqual(['Maaliskuu']);
    } finally {
      for (const c of clients.splice(0)) c.close();
      await second.close();
    }
  });

  it('SIGKILL right after an acknowledgement loses nothing acknowledged', async () => {
    const dataDir = tempDataDir();
    const s1 = await spawnServer(dataDir);
    children.push(s1);
    const board = await createBoard(s1.url);
    const joined = await joinBoard(s1.url, board.code);
    const c = await TestClient.connect(s1.url, board.boardId, { token: joined.token });
    const acknowledged: string[] = [];
    // Fire many commands without waiting, and kill the process at the first acknowledgement of the
    // last one sent so far: whatever was acknowledged must survive.
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      const id = newId();
      pending.push(
        c.command({ type: 'note.add', id, x: i, y: 0, text: `n${i}` }).then(
          (ack) => {
            if (ack.ok) acknowledged.push(id);
          },
          () => undefined,
        ),
      );
    }
    await pending[25];
    s1.proc.kill('SIGKILL');
    await exited(s1.proc);
    c.close();
    await Promise.allSettled(pending);
    expect(acknowledged.length).toBeGreaterThan(0);

    const s2 = await spawnServer(dataDir);
    children.push(s2);
    const after = await TestClient.connect(s2.url, board.boardId, { token: joined.token });
    clients.push(after);
    const present = new Set(listNotes(after.doc).map((n) => n.id));
    for (const id of acknowledged) expect(present.has(id)).toBe(true);
    // The author still owns them after the restart.
    expect(new Set(after.session?.ownNotes)).toEqual(present);
  });

  it('a board whose log was compacted loads the same document', async () => {
    const dataDir = tempDataDir();
    const server = await startServer({ dataDir, env: { COMPACT_AFTER_UPDATES: '5' } });
    const board = await createBoard(server.url);
    const c = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const id = newId();
    await c.command({ type: 'note.add', id, x: 0, y: 0, text: 'alku' });
    for (let i = 1; i <= 12; i++) await c.command({ type: 'note.move', id, x: i, y: i });
    // Updates reach the replica over another connection than the acknowledgements.
    await waitFor(() => getNote(c.doc, id)?.x === 12, 5_000, 'the last move');
    const before = Y.encodeStateAsUpdate(c.doc);
    c.close();
    await server.close();

    const storage = await openSqliteStorage(path.join(dataDir, 'pajataulu.sqlite'));
    const stored = await storage.loadDoc(board.boardId);
    await storage.close();
    expect(stored.updates.length).toBeLessThan(5);
    const doc = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const u of stored.updates) Y.applyUpdate(doc, u);
    expect(getNote(doc, id)).toMatchObject({ x: 12, y: 12, text: 'alku' });
    const reference = new Y.Doc();
    Y.applyUpdate(reference, before);
    expect(doc.getMap('notes').toJSON()).toEqual(reference.getMap('notes').toJSON());
  });
});
