/**
 * Hostile input on the sync endpoint: no upgrade request stops the process, and no stream of
 * step 1 messages with made-up state vectors freezes it. Everything runs against a real server.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import {
  getNote,
  listNotes,
  PROTOCOL_VERSION,
  syncSubprotocols,
  randomId,
  SyncCloseCode,
  type BoardState,
  newNote,
} from '@pajataulu/shared';
import { SYNC_MESSAGE_BURST, SYNC_PATH } from '../sync/endpoint.js';
import { createBoard, newId, TestClient, useServer, type CreatedBoard } from './harness.js';

const MESSAGE_SYNC = 0;

/** Sends a raw upgrade request for `path` and resolves with the first line of the answer. */
function rawUpgrade(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      // A 101 is followed by the server closing the websocket; the status line is all we need.
      if (answer.includes('\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', () => undefined);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\n` +
        'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      'latin1',
    );
  });
}

/** Resolves with the time /healthz took to answer, in ms; fails unless it answered ok. */
async function healthz(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/healthz`);
  expect(res.status).toBe(200);
  await res.json();
  return performance.now() - started;
}

/** A board imported from a backup with `n` notes of a few hundred characters each. */
async function boardWithNotes(url: string, n: number): Promise<CreatedBoard> {
  const blank = await createBoard(url);
  const res = await fetch(`${url}/api/boards/${blank.boardId}/export.json`, {
    headers: { authorization: `Bearer ${blank.facilitatorKey}` },
  });
  const backup = (await res.json()) as { board: BoardState };
  for (let i = 0; i < n; i++) {
    backup.board.notes.push(
      newNote({
        id: randomId(20),
        text: `${i} ${'muistilappu '.repeat(25)}`,
        x: (i % 50) * 200,
        y: Math.floor(i / 50) * 200,
        color: 'yellow',
      }),
    );
  }
  const imported = await fetch(`${url}/api/boards/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(backup),
  });
  if (imported.status !== 201) throw new Error(`import: ${imported.status}`);
  return (await imported.json()) as CreatedBoard;
}

/** A step 1 message with a made-up state vector: random client ids and clocks, some real ids. */
function forgedStep1(realClients: number[]): Uint8Array {
  const sv = new Map<number, number>();
  const entries = 1 + Math.floor(Math.random() * 4);
  for (let i = 0; i < entries; i++) {
    const client =
      realClients.length > 0 && Math.random() < 0.5
        ? realClients[Math.floor(Math.random() * realClients.length)]!
        : Math.floor(Math.random() * 2 ** 32);
    sv.set(client, Math.floor(Math.random() * 2 ** 20));
  }
  const forged = encoding.createEncoder();
  encoding.writeVarUint(forged, MESSAGE_SYNC);
  encoding.writeVarUint(forged, syncProtocol.messageYjsSyncStep1);
  encoding.writeVarUint8Array(forged, Y.encodeStateVector(sv));
  return encoding.toUint8Array(forged);
}

describe('sync endpoint under hostile input', () => {
  const ctx = useServer();

  it('refuses upgrades with unreadable paths with 400 and keeps serving', async () => {
    const { server } = ctx;
    const board = await createBoard(server.url);
    const unreadable = [
      `${SYNC_PATH}%FF`,
      `${SYNC_PATH}%`,
      `${SYNC_PATH}%E0%A4%A`,
      `${SYNC_PATH}%ZZ?protocol=${PROTOCOL_VERSION}`,
      `${SYNC_PATH}${board.boardId}%C0%AF?facilitatorKey=${board.facilitatorKey}`,
      `${SYNC_PATH}`,
    ];
    for (const path of unreadable) {
      expect(await rawUpgrade(server.port, path), path).toMatch(/^HTTP\/1\.1 400 /);
      expect(await healthz(server.url)).toBeLessThan(1_000);
    }
    expect(server.app.sync.stats.upgradesRefused).toBe(unreadable.length);
  });

  it('refuses odd but readable paths after the upgrade with a typed close code', async () => {
    const { server } = ctx;
    const odd = [
      `${SYNC_PATH}..%2F..%2Fetc`,
      `${SYNC_PATH}${'a'.repeat(4_000)}`,
      `${SYNC_PATH}%00?protocol=${PROTOCOL_VERSION}`,
      `${SYNC_PATH}x?protocol=%FF&token=%`,
      `${SYNC_PATH}%F0%9F%98%80?protocol=${PROTOCOL_VERSION}&token=x`,
    ];
    for (const path of odd) {
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`);
      const code = await new Promise<number>((resolve) => {
        ws.on('close', (c) => resolve(c));
        ws.on('error', () => undefined);
      });
      expect([
        SyncCloseCode.Unauthorized,
        SyncCloseCode.BoardNotFound,
        SyncCloseCode.ProtocolMismatch,
      ]).toContain(code);
      expect(await healthz(server.url)).toBeLessThan(1_000);
    }
  });

  it('stays responsive while a connection floods forged step 1 messages without reading', async () => {
    const { server, clients } = ctx;
    const board = await boardWithNotes(server.url, 2_000);
    const live = await server.app.registry.get(board.boardId);
    const realClients = [...Y.decodeStateVector(Y.encodeStateVector(live.doc)).keys()];

    const ws = new WebSocket(
      `${server.url.replace(/^http/, 'ws')}${SYNC_PATH}${board.boardId}`,
      syncSubprotocols({ facilitatorKey: board.facilitatorKey }),
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    // Never read: whatever the server answers piles up in the kernel's buffers, then its own.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const stats = server.app.sync.stats;
    const encodesBefore = stats.fullStateEncodes;
    for (let i = 0; i < 300; i++) ws.send(forgedStep1(realClients));

    const worst: number[] = [];
    const until = Date.now() + 3_000;
    while (Date.now() < until) worst.push(await healthz(server.url));
    expect(Math.max(...worst)).toBeLessThan(250);
    // The budget closed the flood; made-up ids collapsed onto one encoding of the whole document.
    expect(stats.budgetCloses).toBeGreaterThanOrEqual(1);
    expect(stats.fullStateEncodes - encodesBefore).toBeLessThanOrEqual(1);

    const honest = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    clients.push(honest);
    expect(listNotes(honest.doc).length).toBe(2_000);
    const id = newId();
    await honest.visible(await honest.command({ type: 'note.add', id, x: 0, y: 0 }));
    expect(getNote(honest.doc, id)).toBeDefined();
    expect(await healthz(server.url)).toBeLessThan(250);
    ws.terminate();
  }, 60_000);

  it('closes a connection over its message budget with TooManyMessages', async () => {
    const { server } = ctx;
    const board = await createBoard(server.url);
    const ws = new WebSocket(
      `${server.url.replace(/^http/, 'ws')}${SYNC_PATH}${board.boardId}`,
      syncSubprotocols({ facilitatorKey: board.facilitatorKey }),
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    // Awareness messages are read and dropped, but they count.
    const awareness = Uint8Array.from([1, 1, 0]);
    for (let i = 0; i < SYNC_MESSAGE_BURST + 10; i++) ws.send(awareness);
    expect(await closed).toBe(SyncCloseCode.TooManyMessages);
    expect(await healthz(server.url)).toBeLessThan(1_000);
  });
});
