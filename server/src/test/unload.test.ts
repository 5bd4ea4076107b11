/**
 * A board leaves memory after its last client: nothing the gateway or the sync endpoint keeps
 * (coalescing queues, cached encodings, lagging connections) holds it.
 */
import { describe, expect, it } from 'vitest';
import { createBoard, joinBoard, newId, startServer, TestClient } from './harness.js';

async function liveBoards(url: string): Promise<number> {
  const res = await fetch(`${url}/healthz`);
  return ((await res.json()) as { liveBoards: number }).liveBoards;
}

describe('board lifecycle', () => {
  it('a board that had clients and changes leaves memory once the last client has gone', async () => {
    const server = await startServer({ env: { BOARD_IDLE_UNLOAD_MS: '200' } });
    try {
      const board = await createBoard(server.url);
      const joined = await joinBoard(server.url, board.code);
      const a = await TestClient.connect(server.url, board.boardId, { token: joined.token });
      const f = await TestClient.connect(server.url, board.boardId, {
        facilitatorKey: board.facilitatorKey,
      });
      for (let i = 0; i < 5; i++)
        await f.visible(await a.command({ type: 'note.add', id: newId(), x: i, y: i }));
      expect(await liveBoards(server.url)).toBe(1);
      a.close();
      f.close();
      const deadline = Date.now() + 10_000;
      while ((await liveBoards(server.url)) !== 0) {
        if (Date.now() > deadline) throw new Error('the board is still in memory');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await server.close();
    }
  });
});
