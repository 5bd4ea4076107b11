/**
 * Command-connection handshakes that never sign in cost the server a session each until they time
 * out. One address may hold only a bounded number of them at once; signing in, closing, or the
 * timeout frees its place, and a spoofed X-Forwarded-For does not move the count elsewhere.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HANDSHAKE_TIMEOUT_MS, MAX_PENDING_HANDSHAKES_PER_ADDRESS } from '../gateway/handshakes.js';
import { createBoard, handshake, startServer, type TestServer } from './harness.js';

const POLLING = '/socket.io/?EIO=4&transport=polling';

/** Opens a long-polling engine.io session and abandons it; its sid, or the refusal's status. */
async function openAbandoned(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; sid?: string; message?: string }> {
  const res = await fetch(url + POLLING, { headers });
  const text = await res.text();
  if (res.status !== 200) {
    const { message } = JSON.parse(text) as { message: string };
    return { status: res.status, message };
  }
  const open = JSON.parse(text.slice(1)) as { sid: string };
  return { status: 200, sid: open.sid };
}

/** Sends engine.io's close packet for a long-polling session. */
async function closeSession(url: string, sid: string): Promise<void> {
  const res = await fetch(`${url}${POLLING}&sid=${sid}`, { method: 'POST', body: '1' });
  await res.text();
}

describe('handshakes waiting to sign in are bounded per address', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function fill(url: string): Promise<string[]> {
    const sids: string[] = [];
    for (let i = 0; i < MAX_PENDING_HANDSHAKES_PER_ADDRESS; i++) {
      const r = await openAbandoned(url);
      expect(r.status).toBe(200);
      sids.push(r.sid!);
    }
    return sids;
  }

  it('refuses the next handshake with 403 and a reason, and admits again once one closes', async () => {
    server = await startServer();
    const sids = await fill(server.url);
    const refused = await openAbandoned(server.url);
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/waiting to sign in/);
    // A made-up forwarded address is not believed without a trusted proxy.
    expect((await openAbandoned(server.url, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(
      403,
    );
    await closeSession(server.url, sids[0]!);
    expect((await openAbandoned(server.url)).status).toBe(200);
  });

  it('does not keep a place for a session the server has already closed', async () => {
    server = await startServer();
    const sids = await fill(server.url);
    // An unreadable socket.io packet makes the server close the session; with nobody polling it,
    // engine.io would wait 30 s to deliver the close packet.
    for (const sid of sids) {
      const res = await fetch(`${server.url}${POLLING}&sid=${sid}`, { method: 'POST', body: '49' });
      await res.text();
    }
    expect((await openAbandoned(server.url)).status).toBe(200);
  });

  it('does not count a connection that has signed in', async () => {
    server = await startServer();
    const board = await createBoard(server.url);
    await fill(server.url).then((sids) => closeSession(server!.url, sids[0]!));
    // The one free place goes to an honest client, which signs in and so frees it again.
    expect(
      await handshake(server.url, { board: board.boardId, facilitatorKey: board.facilitatorKey }),
    ).toBe('connected');
    expect((await openAbandoned(server.url)).status).toBe(200);
  });

  it(
    'closes an abandoned handshake after the timeout, which frees its place',
    async () => {
      server = await startServer();
      const sids = await fill(server.url);
      expect((await openAbandoned(server.url)).status).toBe(403);
      await new Promise((r) => setTimeout(r, HANDSHAKE_TIMEOUT_MS + 1_000));
      expect((await openAbandoned(server.url)).status).toBe(200);
      // The server has ended the abandoned session: its sid is unknown now.
      const res = await fetch(`${server.url}${POLLING}&sid=${sids[1]}`);
      expect(res.status).toBe(400);
      await res.text();
    },
    HANDSHAKE_TIMEOUT_MS + 10_000,
  );
});
