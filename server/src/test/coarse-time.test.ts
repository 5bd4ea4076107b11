import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import {
  coarseTime,
  getNote,
  listNotes,
  metaMap,
  notesMap,
  listPrompts,
  NOTE_TIME_RESOLUTION_MS,
  readBoard,
  type BoardBackup,
} from '@pajataulu/shared';
import {
  createBoard,
  joinBoard,
  newId,
  startCaptureProxy,
  startServer,
  TestClient,
  waitFor,
  type CaptureProxy,
  type TestServer,
} from './harness.js';
import { loadConfig } from '../config.js';
import { openSqliteStorage } from '../storage/sqlite.js';

const MINUTE = NOTE_TIME_RESOLUTION_MS;

/** How far around the test's own clock a number must lie to be read as a time. */
const WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Every time a capture carries, read the two ways one can travel: as decimal digits (socket.io's
 * JSON) and as a big-endian float64 at any offset (how Yjs encodes a number above 2^31). A value
 * counts as a time when it is a whole number of milliseconds within {@link WINDOW_MS} of `around`.
 * The server clock a `session` message gives for timer sync is left out: it is no note's time.
 */
function timesIn(bytes: Buffer, around: number): Set<number> {
  const inWindow = (v: number) => Number.isInteger(v) && Math.abs(v - around) < WINDOW_MS;
  const out = new Set<number>();
  const text = bytes.toString('latin1');
  for (const m of text.matchAll(/(?<![0-9])([0-9]{13})(?![0-9])/g)) {
    const v = Number(m[1]);
    if (text.slice(Math.max(0, m.index - 13), m.index) === '"serverTime":') continue;
    if (inWindow(v)) out.add(v);
  }
  for (let i = 0; i + 8 <= bytes.length; i++) {
    const v = bytes.readDoubleBE(i);
    if (inWindow(v)) out.add(v);
  }
  return out;
}

describe('times another person can see', () => {
  let server: TestServer;
  const proxies: CaptureProxy[] = [];
  const clients: TestClient[] = [];
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    vi.useRealTimers();
    for (const c of clients.splice(0)) c.close();
    for (const p of proxies.splice(0)) await p.close();
    await server.close();
  });

  it('private notes carry the reveal minute, open notes their minute, exports no finer', async () => {
    // Only the clock is set by the test (timers run for real), so every write happens at a chosen
    // second and a leaked second is told apart from a minute. Steps stay a few seconds apart: the
    // sync client drops a connection that hears nothing for half a minute of clock time.
    const T0 = coarseTime(Date.now()) + 10 * MINUTE;
    vi.useFakeTimers({ toFake: ['Date'] });
    const at = (ms: number) => vi.setSystemTime(T0 + ms);

    at(52_321);
    const board = await createBoard(server.url);
    const joinA = await joinBoard(server.url, board.code);
    const joinB = await joinBoard(server.url, board.code);
    const [proxyB, proxyF, proxyP] = await Promise.all([
      startCaptureProxy(server.port),
      startCaptureProxy(server.port),
      startCaptureProxy(server.port),
    ]);
    proxies.push(proxyB!, proxyF!, proxyP!);
    const watchers = { B: proxyB!, facilitator: proxyF!, projector: proxyP! };
    const f = await TestClient.connect(proxyF!.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    const a = await TestClient.connect(server.url, board.boardId, { token: joinA.token });
    const b = await TestClient.connect(proxyB!.url, board.boardId, { token: joinB.token });
    const p = await TestClient.connect(proxyP!.url, board.boardId, {
      projectorKey: board.projectorKey,
    });
    clients.push(f, a, b, p);
    expect(readBoard(b.doc).meta.createdAt).toBe(T0);

    at(53_000);
    const prompt = newId();
    await f.command({ type: 'prompt.add', id: prompt, title: 'Q', x: 0, y: 0, w: 800, h: 600 });
    await f.visible(await f.command({ type: 'prompt.update', id: prompt, privateWriting: true }));
    // A facilitator's prompt keeps its seconds (its stacking order follows them); no note's time.
    const promptTime = T0 + 53_000;
    expect(listPrompts(f.doc)[0]?.createdAt).toBe(promptTime);

    const ownTimes: number[] = [];
    a.socket.on('offstage', (c: { upsert: { createdAt: number }[] }) =>
      ownTimes.push(...c.upsert.map((n) => n.createdAt)),
    );
    at(55_457);
    const noteA = newId();
    await a.command({ type: 'note.add', id: noteA, x: 50, y: 50, text: 'A kirjoitti ensin' });
    at(58_912);
    const noteB = newId();
    await b.command({ type: 'note.add', id: noteB, x: 300, y: 50, text: 'B kirjoitti sitten' });
    await waitFor(() => readBoard(f.doc).prompts[0]?.waiting === 2, 2_000, 'waiting count');
    // The author's own view of a private note is coarse too.
    await waitFor(() => ownTimes.length > 0, 2_000, 'offstage event to the author');
    expect(ownTimes).toEqual([T0]);

    // While writing is private, nobody but the author hears of a note's time at all.
    for (const [who, proxy] of Object.entries(watchers))
      expect([...timesIn(proxy.received(), T0)].sort(), who).toEqual([T0, promptTime]);

    // The reveal comes in the next minute: both notes carry its minute, not their own.
    at(MINUTE + 1_234);
    const reveal = await f.command({ type: 'prompt.update', id: prompt, privateWriting: false });
    for (const c of [f, a, b, p]) await c.visible(reveal);
    for (const c of [f, a, b, p])
      expect(listNotes(c.doc).map((n) => [n.id, n.createdAt])).toEqual(
        [noteA, noteB].sort().map((id) => [id, T0 + MINUTE]),
      );

    // A note written in the open carries its minute.
    at(MINUTE + 4_567);
    const open = newId();
    await b.visible(await b.command({ type: 'note.add', id: open, x: 500, y: 50, text: 'Auki' }));
    await f.visible(await f.command({ type: 'board.update', title: 'Sama hetki' }));
    await p.visible(await f.command({ type: 'board.update', title: 'Vielä' }));
    expect(listNotes(p.doc).find((n) => n.id === open)?.createdAt).toBe(T0 + MINUTE);

    for (const [who, proxy] of Object.entries(watchers)) {
      const seen = timesIn(proxy.received(), T0);
      // The scan does read Yjs times: the reveal's minute is among them.
      expect(seen.has(T0 + MINUTE), who).toBe(true);
      for (const t of seen) if (t !== promptTime) expect(t % MINUTE, `${who}: ${t}`).toBe(0);
    }

    // Exports: the notes table as CSV and XLSX, and the JSON backup.
    vi.useRealTimers();
    const get = (format: string) =>
      fetch(`${server.url}/api/boards/${board.boardId}/export.${format}`, {
        headers: { authorization: `Bearer ${board.facilitatorKey}` },
      });
    const revealed = new Date(T0 + MINUTE).toISOString();
    const csv = (await (await get('csv')).text()).trim().split('\r\n');
    const created = csv[0]!.split(';').indexOf('Luotu');
    expect(created).toBeGreaterThan(0);
    expect(csv.slice(1).map((line) => line.split(';')[created])).toEqual([
      revealed,
      revealed,
      revealed,
    ]);

    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await (await get('xlsx')).arrayBuffer()) as ArrayBuffer);
    const rows: unknown[][] = [];
    book.worksheets[0]!.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    const column = (rows[0] as string[]).indexOf('Luotu');
    expect(rows.slice(1).map((r) => r[column])).toEqual([revealed, revealed, revealed]);

    const backup = (await (await get('json')).json()) as BoardBackup;
    expect(backup.board.meta.createdAt).toBe(T0);
    expect(backup.board.notes.map((n) => n.createdAt)).toEqual([
      T0 + MINUTE,
      T0 + MINUTE,
      T0 + MINUTE,
    ]);
  });

  it('a board an older server stored with seconds reaches participants and storage coarse', async () => {
    const board = await createBoard(server.url);
    const join = await joinBoard(server.url, board.code);
    const a = await TestClient.connect(server.url, board.boardId, { token: join.token });
    const note = newId();
    await a.visible(await a.command({ type: 'note.add', id: note, x: 0, y: 0, text: 'vanha' }));
    a.close();
    const dataDir = server.dataDir;
    await server.close();

    // The board as a schema-3 server left it: the note and the board to the second.
    const fine = coarseTime(Date.now()) - 5 * MINUTE + 37_000;
    const storage = await openSqliteStorage(loadConfig({ DATA_DIR: dataDir }).sqliteFile);
    const stored = await storage.loadDoc(board.boardId);
    const doc = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const u of stored.updates) Y.applyUpdate(doc, u);
    doc.transact(() => {
      metaMap(doc).set('schemaVersion', 3);
      metaMap(doc).set('createdAt', fine - 21_000);
      notesMap(doc).get(note)!.set('createdAt', fine);
    });
    await storage.compact(board.boardId, Y.encodeStateAsUpdate(doc), stored.lastUpdateId);
    expect(timesIn(Buffer.from((await storage.loadDoc(board.boardId)).snapshot!), fine)).toContain(
      fine,
    );
    await storage.close();

    server = await startServer({ dataDir });
    const proxy = await startCaptureProxy(server.port);
    proxies.push(proxy);
    const b = await TestClient.connect(proxy.url, board.boardId, { token: join.token });
    clients.push(b);
    expect(getNote(b.doc, note)?.createdAt).toBe(coarseTime(fine));
    expect(readBoard(b.doc).meta.createdAt).toBe(coarseTime(fine - 21_000));
    for (const t of timesIn(proxy.received(), fine)) expect(t % MINUTE).toBe(0);
    await server.close();

    // The migrated board was compacted: the seconds are gone from storage as well.
    const after = await openSqliteStorage(loadConfig({ DATA_DIR: dataDir }).sqliteFile);
    const kept = await after.loadDoc(board.boardId);
    await after.close();
    const bytes = Buffer.concat([kept.snapshot ?? new Uint8Array(), ...kept.updates]);
    for (const t of timesIn(bytes, fine)) expect(t % MINUTE).toBe(0);
    server = await startServer({ dataDir });
  });
});
