/**
 * Group tags are decided when a note is written, seen from another participant's connections: a
 * note written while its group was below K never gains the tag when more members join later.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { getNote, notesMap, readMeta, syncSubprotocols } from '@pajataulu/shared';
import { SYNC_PATH } from '../sync/endpoint.js';
import {
  createBoardWith,
  joinAs,
  newId,
  startServer,
  TestClient,
  waitFor,
  type TestServer,
} from './harness.js';

/** The default groups' third, `johto` (management). */
const JOHTO = 'g3';
const MESSAGE_SYNC = 0;

/** Every document update a bare sync connection receives, as the bytes of each update. */
class SyncRecorder {
  readonly updates: Uint8Array[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(d) !== MESSAGE_SYNC) return;
      if (decoding.readVarUint(d) === syncProtocol.messageYjsSyncStep1) return;
      this.updates.push(decoding.readVarUint8Array(d));
    });
  }

  static async open(url: string, boardId: string, token: string): Promise<SyncRecorder> {
    const ws = new WebSocket(
      `${url.replace(/^http/, 'ws')}${SYNC_PATH}${boardId}`,
      syncSubprotocols({ token }),
    );
    const r = new SyncRecorder(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(e, new Y.Doc());
    ws.send(encoding.toUint8Array(e));
    return r;
  }

  /** The values written to key `key` of the map item `parent` in any update received. */
  writesTo(parent: Y.ID, key: string): unknown[] {
    const out: unknown[] = [];
    for (const u of this.updates) {
      for (const s of Y.decodeUpdate(u).structs) {
        if (!(s instanceof Y.Item) || s.parentSub !== key) continue;
        const p = s.parent as Y.ID | null;
        if (p && typeof p === 'object' && 'client' in p && Y.compareIDs(p, parent))
          out.push(...s.content.getContent());
      }
    }
    return out;
  }
}

describe('group tags are decided when a note is written', () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  let recorder: SyncRecorder | undefined;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    recorder?.ws.close();
    await server.close();
  });

  it('a note written below K stays untagged when two more managers join; one written at K is tagged', async () => {
    const board = await createBoardWith(server.url, { groupThreshold: 3 });
    const manager = await joinAs(server.url, board.code, { group: JOHTO });
    const other = await joinAs(server.url, board.code, { group: 'g1' });
    // The other participant watches as the app does, and on a bare sync connection that keeps
    // every update it is sent.
    const watcher = await TestClient.connect(server.url, board.boardId, { token: other.token });
    const writer = await TestClient.connect(server.url, board.boardId, { token: manager.token });
    clients.push(watcher, writer);
    recorder = await SyncRecorder.open(server.url, board.boardId, other.token);

    const early = newId();
    await watcher.visible(
      await writer.command({ type: 'note.add', id: early, x: 0, y: 0, text: 'ensimmäinen' }),
    );
    expect(getNote(watcher.doc, early)?.group).toBeNull();

    // Two more managers join: the group reaches K and everyone sees its count appear.
    const second = await joinAs(server.url, board.code, { group: JOHTO });
    await joinAs(server.url, board.code, { group: JOHTO });
    await waitFor(() => readMeta(watcher.doc).groupCounts[JOHTO] === 3, 5_000, 'group count');

    const secondClient = await TestClient.connect(server.url, board.boardId, {
      token: second.token,
    });
    clients.push(secondClient);
    const late = newId();
    await watcher.visible(
      await secondClient.command({ type: 'note.add', id: late, x: 300, y: 0, text: 'toinen' }),
    );
    // And one more from the first manager, now that the group is large enough.
    const laterByFirst = newId();
    await watcher.visible(
      await writer.command({ type: 'note.add', id: laterByFirst, x: 600, y: 0, text: 'kolmas' }),
    );
    await waitFor(() => recorder!.updates.length > 0 && notesMap(watcher.doc).size === 3);

    // What the other participant's replica holds.
    expect(getNote(watcher.doc, early)?.group).toBeNull();
    expect(getNote(watcher.doc, late)?.group).toBe(JOHTO);
    expect(getNote(watcher.doc, laterByFirst)?.group).toBe(JOHTO);

    // On the sync connection: the early note's `group` was written once, as null, and never again.
    await waitFor(() => {
      const r = new Y.Doc();
      for (const u of recorder!.updates) Y.applyUpdate(r, u);
      return notesMap(r).size === 3;
    });
    const earlyItem = notesMap(watcher.doc).get(early)!._item!.id;
    expect(recorder.writesTo(earlyItem, 'group')).toEqual([null]);
    const lateItem = notesMap(watcher.doc).get(late)!._item!.id;
    expect(recorder.writesTo(lateItem, 'group')).toEqual([JOHTO]);
    const replay = new Y.Doc();
    for (const u of recorder.updates) Y.applyUpdate(replay, u);
    expect(getNote(replay, early)?.group).toBeNull();
  });
});
