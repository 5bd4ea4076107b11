/**
 * y-websocket reports `synced` on the first step 2 it reads, so step 2 must hold the whole
 * committed board: a late joiner's replica holds every acknowledged note when `synced` fires,
 * also when the server's cached encoding of the document predates those notes.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { getNote, syncSubprotocols } from '@pajataulu/shared';
import { createBoard, newId, TestClient, useServer, waitFor } from './harness.js';

describe('late joiners', () => {
  const ctx = useServer();

  it('hold every acknowledged note when y-websocket reports synced', async () => {
    const { server, clients } = ctx;
    const board = await createBoard(server.url);
    const creds = { facilitatorKey: board.facilitatorKey };
    // The first joiner makes the server cache an encoding of the (empty) board.
    const early = await TestClient.connect(server.url, board.boardId, creds);
    clients.push(early);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = newId();
      ids.push(id);
      await early.visible(await early.command({ type: 'note.add', id, x: i * 10, y: 0 }));
    }

    for (let round = 0; round < 3; round++) {
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(
        `${server.url.replace(/^http/, 'ws')}/sync`,
        board.boardId,
        doc,
        {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          WebSocketPolyfill: WebSocket as any,
          protocols: syncSubprotocols(creds),
          disableBc: true,
        },
      );
      let missingAtSync: string[] | undefined;
      provider.on('sync', (synced: boolean) => {
        if (synced && !missingAtSync) missingAtSync = ids.filter((id) => !getNote(doc, id));
      });
      await waitFor(() => missingAtSync !== undefined, 5_000, 'synced');
      expect(missingAtSync).toEqual([]);
      provider.destroy();
      doc.destroy();
      // More notes after this joiner: the next one arrives to a stale cache again.
      const id = newId();
      ids.push(id);
      await early.visible(await early.command({ type: 'note.add', id, x: 0, y: 100 }));
    }
  });
});
