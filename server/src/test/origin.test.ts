/**
 * Which pages may open the websocket endpoints: a browser lets any page connect anywhere, so the
 * server refuses handshakes whose `Origin` is not its own (or not in ALLOWED_ORIGINS), on the sync
 * endpoint and on the socket.io endpoint alike. Clients that send no `Origin` are not browsers
 * and are let through; they still need credentials.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { syncSubprotocols } from '@pajataulu/shared';
import { createBoard, startServer, type TestServer } from './harness.js';

/** The HTTP status of a refused handshake, or 101 when the socket opened. */
function handshakeStatus(url: string, protocols: string[], origin?: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, origin ? { origin } : {});
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => undefined);
  });
}

describe('websocket origins', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function endpoints(s: TestServer) {
    const board = await createBoard(s.url);
    const ws = s.url.replace(/^http/, 'ws');
    // What each endpoint answers a refused page: the sync endpoint 403; engine.io refuses every
    // upgrade it does not allow with 400 ("Forbidden" in the body).
    return [
      {
        refused: 403,
        open: (origin?: string) =>
          handshakeStatus(
            `${ws}/sync/${board.boardId}`,
            syncSubprotocols({ facilitatorKey: board.facilitatorKey }),
            origin,
          ),
      },
      {
        refused: 400,
        open: (origin?: string) =>
          handshakeStatus(`${ws}/socket.io/?EIO=4&transport=websocket`, [], origin),
      },
    ];
  }

  it('by default admits the server’s own pages and clients without an Origin, and refuses others', async () => {
    server = await startServer();
    const e = await endpoints(server);
    for (const { open, refused } of e) {
      expect(await open(server.url)).toBe(101);
      expect(await open(undefined)).toBe(101);
      expect(await open('https://evil.example')).toBe(refused);
      expect(await open(`http://127.0.0.1:${server.port + 1}`)).toBe(refused);
      expect(await open('null')).toBe(refused);
    }
  });

  it('with ALLOWED_ORIGINS admits exactly the listed origins', async () => {
    server = await startServer({
      env: { ALLOWED_ORIGINS: 'https://tyopaja.example.fi,https://Intra.Example.fi' },
    });
    const e = await endpoints(server);
    for (const { open, refused } of e) {
      expect(await open('https://tyopaja.example.fi')).toBe(101);
      expect(await open('https://intra.example.fi')).toBe(101);
      // The server's own address is no longer implied once a list is given.
      expect(await open(server.url)).toBe(refused);
      expect(await open('http://tyopaja.example.fi')).toBe(refused);
      expect(await open(undefined)).toBe(101);
    }
  });
});
