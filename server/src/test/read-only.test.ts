import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getNote, listNotes, notesMap } from '@pajataulu/shared';
import {
  createBoard,
  joinBoard,
  newId,
  startServer,
  TestClient,
  type TestServer,
} from './harness.js';

describe('the document is read-only for clients', () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.close();
  });

  it('a client writing straight into its Y.Doc changes nothing on the server or on other clients', async () => {
    const board = await createBoard(server.url);
    const f = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const rogue = await TestClient.connect(server.url, board.boardId, {
      token: (await joinBoard(server.url, board.code)).token,
    });
    const other = await TestClient.connect(server.url, board.boardId, {
      token: (await joinBoard(server.url, board.code)).token,
    });
    clients.push(f, rogue, other);

    // Even the facilitator's direct writes are discarded: only commands change a board.
    const forged = new Y.Map<unknown>();
    forged.set('text', 'forged');
    forged.set('x', 0);
    forged.set('y', 0);
    rogue.doc.transact(() => notesMap(rogue.doc).set('aaaaaaaaaaaaaaaaaaaa', forged));
    f.doc.transact(() => f.doc.getMap('meta').set('title', 'hijacked'));
    expect(getNote(rogue.doc, 'aaaaaaaaaaaaaaaaaaaa')).toBeDefined();

    // A later real command proves the channel works and that the forged write was not relayed.
    const id = newId();
    const ack = await other.command({ type: 'note.add', id, x: 0, y: 0, text: 'oikea' });
    await other.visible(ack);
    await f.visible(ack);
    const serverDoc = (await server.app.registry.get(board.boardId)).doc;
    expect(listNotes(serverDoc).map((n) => n.id)).toEqual([id]);
    expect(listNotes(other.doc).map((n) => n.id)).toEqual([id]);
    expect(serverDoc.getMap('meta').get('title')).toBe('Työpaja');

    // A fresh client after the forged writes sees only the real note.
    const fresh = await TestClient.connect(server.url, board.boardId, {
      token: (await joinBoard(server.url, board.code)).token,
    });
    clients.push(fresh);
    expect(listNotes(fresh.doc).map((n) => n.id)).toEqual([id]);
  });
});
