import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getNote, listNotes, notesMap } from '@pajataulu/shared';
import { createBoard, joinBoard, newId, TestClient, useServer } from './harness.js';

describe('the document is read-only for clients', () => {
  const fx = useServer();

  it('a client writing straight into its Y.Doc changes nothing on the server or on other clients', async () => {
    const board = await createBoard(fx.server.url);
    const f = await TestClient.connect(fx.server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const rogue = await TestClient.connect(fx.server.url, board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    const other = await TestClient.connect(fx.server.url, board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    fx.clients.push(f, rogue, other);

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
    const serverDoc = (await fx.server.app.registry.get(board.boardId)).doc;
    expect(listNotes(serverDoc).map((n) => n.id)).toEqual([id]);
    expect(listNotes(other.doc).map((n) => n.id)).toEqual([id]);
    expect(serverDoc.getMap('meta').get('title')).toBe('Työpaja');

    // A fresh client after the forged writes sees only the real note.
    const fresh = await TestClient.connect(fx.server.url, board.boardId, {
      token: (await joinBoard(fx.server.url, board.code)).token,
    });
    fx.clients.push(fresh);
    expect(listNotes(fresh.doc).map((n) => n.id)).toEqual([id]);
  });
});
