/**
 * Exports are shared fairly: downloads that are never read are cut off after the stall time and
 * cannot hold the export slot for everyone else, one board has one export in the queue at a
 * time, and the facilitator key is taken from the Authorization header only.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  BOARD_SCHEMA_VERSION,
  initBoardDoc,
  NOTE_COLORS,
  toBackup,
  newNote,
} from '@pajataulu/shared';
import { startServer, type CreatedBoard, type TestServer } from './harness.js';

/** The stall time the test server runs with, instead of EXPORT_STALL_MS. */
const STALL_MS = 1_000;
/**
 * How long another board's export may wait behind two unread max-size downloads: each draws until
 * the connection's buffers are full (about half of its 15 s drawing here), then stalls for
 * STALL_MS. Before the stall rule they held the slot for the five-minute export timeout.
 */
const OTHER_EXPORT_BOUND_MS = 45_000;

/** A board of `count` notes full of text: its largest picture is some 20 MB of PNG. */
async function denseBoard(url: string, count: number, seed: number): Promise<CreatedBoard> {
  const doc = new Y.Doc();
  initBoardDoc(doc, {
    title: 'Tiheä',
    template: 'blank',
    now: 0,
    schemaVersion: BOARD_SCHEMA_VERSION,
  });
  const backup = toBackup(doc, 0);
  let x = seed;
  const word = () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x.toString(36).slice(0, 6);
  };
  const notes = Array.from({ length: count }, (_, i) =>
    newNote({
      id: `n${String(i).padStart(19, '0')}`,
      text: Array.from({ length: 30 }, word).join(' '),
      x: (i % 20) * 170,
      y: Math.floor(i / 20) * 170,
      color: NOTE_COLORS[i % NOTE_COLORS.length]!,
      createdAt: i,
    }),
  );
  const res = await fetch(`${url}/api/boards/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...backup, board: { ...backup.board, notes } }),
  });
  if (res.status !== 201) throw new Error(`import: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedBoard;
}

const exportUrl = (server: TestServer, board: CreatedBoard, query = '') =>
  `${server.url}/api/boards/${board.boardId}/export.png${query}`;

const get = (server: TestServer, board: CreatedBoard, query = '') =>
  fetch(exportUrl(server, board, query), {
    headers: { authorization: `Bearer ${board.facilitatorKey}` },
  });

/** The largest scale the board's picture may be drawn at, as the server says. */
async function maxScale(server: TestServer, board: CreatedBoard): Promise<number> {
  const res = await get(server, board, '?scale=4');
  expect(res.status).toBe(413);
  return ((await res.json()) as { error: { maxScale: number } }).error.maxScale;
}

/** Asks for an export on a raw connection and never reads the answer. */
function unreadExport(server: TestServer, board: CreatedBoard, query: string): net.Socket {
  const socket = net.connect(server.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(
    `GET /api/boards/${board.boardId}/export.png${query} HTTP/1.1\r\n` +
      `Host: 127.0.0.1:${server.port}\r\n` +
      `Authorization: Bearer ${board.facilitatorKey}\r\n\r\n`,
  );
  // No 'data' listener: the socket stays paused, the kernel buffers fill, the server's writes stop.
  return socket;
}

describe('fair exports', () => {
  let server: TestServer;
  const sockets: net.Socket[] = [];
  beforeEach(async () => {
    server = await startServer({ env: { EXPORT_STALL_MS: String(STALL_MS) } });
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await server.close();
  });

  it(`another board's export succeeds within ${OTHER_EXPORT_BOUND_MS} ms behind unread max-size PNGs, which are cut off`, async () => {
    const [a, b] = [await denseBoard(server.url, 400, 1), await denseBoard(server.url, 400, 2)];
    const other = await denseBoard(server.url, 4, 3);
    const scale = await maxScale(server, a);
    sockets.push(unreadExport(server, a, `?scale=${scale}`));
    sockets.push(unreadExport(server, b, `?scale=${scale}`));
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const res = await get(server, other);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(OTHER_EXPORT_BOUND_MS);
    // The unread downloads were dropped: their boards may export again at once.
    const again = await get(server, a);
    expect(again.status).toBe(200);
    await again.arrayBuffer();
  }, 120_000);

  it('a second export of a board while its first is under way is refused with a typed 429', async () => {
    const a = await denseBoard(server.url, 400, 1);
    sockets.push(unreadExport(server, a, `?scale=${await maxScale(server, a)}`));
    await new Promise((r) => setTimeout(r, 200));
    const res = await get(server, a);
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({
      error: { code: 'rate_limited', message: expect.stringMatching(/already under way/) },
    });
  }, 60_000);

  it('takes the facilitator key from the Authorization header only, not from ?key=', async () => {
    const a = await denseBoard(server.url, 1, 1);
    const res = await fetch(exportUrl(server, a, `?key=${a.facilitatorKey}`));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const json = await fetch(
      `${server.url}/api/boards/${a.boardId}/export.json?key=${a.facilitatorKey}`,
    );
    expect(json.status).toBe(401);
    expect((await get(server, a)).status).toBe(200);
  });
});
