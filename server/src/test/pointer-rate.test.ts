/**
 * The facilitator's pointer is relayed at most 10 times a second, and less often to a large
 * audience, so that presence and pointer together stay within a few messages per second per
 * participant however many there are.
 */
import { io, type Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@pajataulu/shared';
import { POINTER_FANOUT_PER_SECOND, POINTER_INTERVAL_MS } from '../gateway/gateway.js';
import { createBoard, useServer, waitFor, type CreatedBoard } from './harness.js';

/** How long the facilitator moves the pointer, and how often they send it. */
const MOVE_MS = 2_000;
const SEND_HZ = 50;

function openSocket(url: string, board: CreatedBoard, auth: Record<string, string>): Socket {
  return io(url, {
    auth: { protocol: PROTOCOL_VERSION, board: board.boardId, ...auth },
    transports: ['websocket'],
  });
}

async function connected(sockets: Socket[]): Promise<void> {
  await Promise.all(
    sockets.map((s) => new Promise<void>((resolve) => s.once('session', () => resolve()))),
  );
}

/** Pointer messages one watcher receives while the facilitator moves for MOVE_MS. */
async function pointerMessages(url: string, board: CreatedBoard, watchers: number) {
  const sockets = Array.from({ length: watchers }, () =>
    openSocket(url, board, { projectorKey: board.projectorKey }),
  );
  const facilitator = openSocket(url, board, { facilitatorKey: board.facilitatorKey });
  try {
    await connected([...sockets, facilitator]);
    let received = 0;
    sockets[0]!.on('pointer', () => received++);
    let i = 0;
    const timer = setInterval(
      () => facilitator.emit('pointer', { x: i++, y: 0, visible: true }),
      1000 / SEND_HZ,
    );
    await new Promise((r) => setTimeout(r, MOVE_MS));
    clearInterval(timer);
    await waitFor(() => received > 0, 2_000, 'a pointer message');
    return received;
  } finally {
    for (const s of [...sockets, facilitator]) s.close();
  }
}

describe('facilitator pointer', () => {
  const ctx = useServer();

  it('reaches a small audience at most 10 times a second', async () => {
    const board = await createBoard(ctx.server.url);
    const n = await pointerMessages(ctx.server.url, board, 3);
    expect(n).toBeGreaterThan(MOVE_MS / 1000);
    expect(n).toBeLessThanOrEqual(MOVE_MS / POINTER_INTERVAL_MS + 2);
  });

  it('reaches a large audience less often, within the board’s pointer budget', async () => {
    const board = await createBoard(ctx.server.url);
    // 600 sockets: the budget allows each about 3 pointer messages a second.
    const audience = 600;
    const n = await pointerMessages(ctx.server.url, board, audience);
    const allowedPerSecond = POINTER_FANOUT_PER_SECOND / (audience + 1);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual((MOVE_MS / 1000) * allowedPerSecond + 2);
    // Well under what a small audience gets.
    expect(n).toBeLessThan(MOVE_MS / POINTER_INTERVAL_MS / 2);
  });
});
