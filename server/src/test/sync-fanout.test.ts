/**
 * Fan-out of committed updates: batches are merged into fewer messages, a connection that does not
 * read is held back instead of buffered without bound and catches up when it reads again, and a
 * late joiner with an empty replica is served the whole committed document in one step 2, from an
 * encoding shared with the other joiners of the same revision.
 */
import { describe, expect, it } from 'vitest';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import {
  getNote,
  listNotes,
  newNote,
  randomId,
  syncSubprotocols,
  type BoardState,
} from '@pajataulu/shared';
import {
  FLUSH_CONNECTIONS_PER_TURN,
  SLOW_CLIENT_BUFFERED_BYTES,
  SYNC_PATH,
} from '../sync/endpoint.js';
import {
  createBoard,
  newId,
  TestClient,
  useServer,
  waitFor,
  type CreatedBoard,
} from './harness.js';

const MESSAGE_SYNC = 0;

/** A bare sync connection that applies what it receives to its own replica and counts updates. */
class RawReplica {
  readonly doc = new Y.Doc();
  updateMessages = 0;
  step2s = 0;
  /** The replica's state vector right after the first step 2 was applied. */
  afterFirstStep2: Uint8Array | undefined;
  closed: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      );
      if (decoding.readVarUint(d) !== MESSAGE_SYNC) return;
      const step = decoding.readVarUint(d);
      if (step === syncProtocol.messageYjsUpdate) this.updateMessages++;
      if (step === syncProtocol.messageYjsSyncStep2) this.step2s++;
      if (step !== syncProtocol.messageYjsSyncStep1)
        Y.applyUpdate(this.doc, decoding.readVarUint8Array(d));
      if (step === syncProtocol.messageYjsSyncStep2 && this.step2s === 1)
        this.afterFirstStep2 = Y.encodeStateVector(this.doc);
    });
    ws.on('close', (code) => (this.closed = code));
  }

  static async open(url: string, board: CreatedBoard, opts: { pauseAfterStep1?: boolean } = {}) {
    const ws = new WebSocket(
      `${url.replace(/^http/, 'ws')}${SYNC_PATH}${board.boardId}`,
      syncSubprotocols({ facilitatorKey: board.facilitatorKey }),
    );
    const r = new RawReplica(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(e, r.doc);
    ws.send(encoding.toUint8Array(e));
    // Stop reading: what the server sends piles up in the kernel's buffers, then in its own.
    if (opts.pauseAfterStep1) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    else await waitFor(() => r.step2s > 0, 5_000, 'step 2');
    return r;
  }

  resume(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  close(): void {
    this.ws.close();
    this.doc.destroy();
  }
}

function sameVector(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** A board imported from a backup with `n` notes of long text: a document of several megabytes. */
async function bigBoard(url: string, n: number): Promise<CreatedBoard> {
  const blank = await createBoard(url);
  const res = await fetch(`${url}/api/boards/${blank.boardId}/export.json`, {
    headers: { authorization: `Bearer ${blank.facilitatorKey}` },
  });
  const backup = (await res.json()) as { board: BoardState };
  const text = 'pitkä muistilappu '.repeat(55);
  for (let i = 0; i < n; i++) {
    backup.board.notes.push(
      newNote({
        id: randomId(20),
        text: `${i} ${text}`.slice(0, 1_000),
        x: (i % 100) * 200,
        y: Math.floor(i / 100) * 200,
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

describe('sync fan-out', () => {
  const ctx = useServer();

  it('merges batches committed close together into fewer messages, and every replica converges', async () => {
    const { server, clients } = ctx;
    const board = await createBoard(server.url);
    const author = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    clients.push(author);
    const watcher = await RawReplica.open(server.url, board);
    let batches = 0;
    const unlisten = server.app.registry.listen({
      onCommitted: (_b, update) => {
        if (update) batches++;
      },
    });
    try {
      const ids: string[] = [];
      // One command at a time: each is its own batch and its own commit.
      for (let i = 0; i < 30; i++) {
        const id = newId();
        ids.push(id);
        await author.command({ type: 'note.add', id, x: i, y: i, text: `${i}` });
      }
      await waitFor(() => listNotes(watcher.doc).length === 30, 5_000, 'every note');
      expect(batches).toBeGreaterThanOrEqual(30);
      expect(watcher.updateMessages).toBeLessThan(batches);
      expect(
        listNotes(watcher.doc)
          .map((n) => n.id)
          .sort(),
      ).toEqual(ids.sort());
    } finally {
      unlisten();
      watcher.close();
    }
  });

  it('writes a flush to more connections than one turn allows over several turns, and every replica converges', async () => {
    const { server, clients } = ctx;
    const board = await createBoard(server.url);
    const replicas = await Promise.all(
      Array.from({ length: FLUSH_CONNECTIONS_PER_TURN * 2 + 10 }, () =>
        RawReplica.open(server.url, board),
      ),
    );
    const author = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    clients.push(author);
    try {
      for (let i = 0; i < 5; i++)
        await author.visible(await author.command({ type: 'note.add', id: newId(), x: i, y: 0 }));
      const want = Y.encodeStateVector(author.doc);
      await waitFor(
        () => replicas.every((r) => sameVector(Y.encodeStateVector(r.doc), want)),
        10_000,
        'every replica',
      );
      for (const r of replicas) expect(listNotes(r.doc)).toHaveLength(5);
    } finally {
      for (const r of replicas) r.close();
    }
  });

  it('holds back a connection that does not read, and sends it what it missed when it reads again', async () => {
    const { server, clients } = ctx;
    const board = await bigBoard(server.url, 6_000);
    const slow = await RawReplica.open(server.url, board, { pauseAfterStep1: true });
    const author = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    clients.push(author);
    // More than the loopback socket buffers (a few MiB) and the endpoint's limit together.
    expect(Y.encodeStateAsUpdate(author.doc).byteLength).toBeGreaterThan(
      SLOW_CLIENT_BUFFERED_BYTES + 4 * 1024 * 1024,
    );
    const stats = server.app.sync.stats;
    const holdsBefore = stats.slowClientHolds;
    const added: string[] = [];
    try {
      // The whole document is waiting in the slow connection's buffers; later changes are held.
      for (let i = 0; i < 5; i++) {
        const id = newId();
        added.push(id);
        await author.visible(await author.command({ type: 'note.add', id, x: 1, y: i }));
      }
      expect(stats.slowClientHolds).toBeGreaterThan(holdsBefore);
      expect(slow.closed).toBeUndefined();

      slow.resume();
      await waitFor(() => added.every((id) => getNote(slow.doc, id)), 15_000, 'catch-up');
      expect(slow.closed).toBeUndefined();
      expect(listNotes(slow.doc).length).toBe(listNotes(author.doc).length);
      expect(Y.encodeStateVector(slow.doc)).toEqual(Y.encodeStateVector(author.doc));
    } finally {
      slow.close();
    }
  });

  it('serves late joiners the whole committed board in one step 2, from a shared encoding', async () => {
    const { server } = ctx;
    const board = await createBoard(server.url);
    const stats = server.app.sync.stats;
    const first = await RawReplica.open(server.url, board);
    const hits = stats.fullStateCacheHits;
    const second = await RawReplica.open(server.url, board);
    // Nothing changed: the second joiner is served the first one's encoding.
    expect(stats.fullStateCacheHits).toBe(hits + 1);
    expect(Y.encodeStateAsUpdate(second.doc)).toEqual(Y.encodeStateAsUpdate(first.doc));
    const author = await TestClient.connect(server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const ids = [newId(), newId()];
    for (const id of ids)
      await author.visible(await author.command({ type: 'note.add', id, x: 0, y: 0 }));
    const encodes = stats.fullStateEncodes;
    const [third, fourth] = await Promise.all([
      RawReplica.open(server.url, board),
      RawReplica.open(server.url, board),
    ]);
    // The cached encoding was stale: encoded again, once for both, and each joiner's one step 2
    // holds the notes acknowledged since.
    expect(stats.fullStateEncodes).toBe(encodes + 1);
    for (const r of [third, fourth]) {
      expect(r.step2s).toBe(1);
      expect(r.afterFirstStep2).toEqual(Y.encodeStateVector(author.doc));
      for (const id of ids) expect(getNote(r.doc, id)).toBeDefined();
    }
    for (const r of [first, second, third, fourth]) r.close();
    author.close();
  });
});
