import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { MAX_MOVES_PER_COMMAND, MAX_NOTE_TEXT_LENGTH, type BoardBackup } from '@pajataulu/shared';
import { createBoardWith, type CreatedBoard, newId, TestClient, useServer } from './harness.js';

/** Backups, exports and text limits against a real server: nothing accepted can break a board. */
describe('hostile backups, formula cells and text limits', () => {
  const fx = useServer();

  const post = (body: string) =>
    fetch(`${fx.server.url}/api/boards/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
  const get = (board: CreatedBoard, format: string) =>
    fetch(`${fx.server.url}/api/boards/${board.boardId}/export.${format}`, {
      headers: { authorization: `Bearer ${board.facilitatorKey}` },
    });

  /** A board with one note of `text`, its facilitator connected. */
  async function boardWithNote(text: string): Promise<{ board: CreatedBoard; f: TestClient }> {
    const board = await createBoardWith(fx.server.url, {
      title: 'Varmuuskopio',
      template: 'blank',
    });
    const f = await TestClient.connect(fx.server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    fx.clients.push(f);
    const ack = await f.command({ type: 'note.add', id: newId(), x: 0, y: 0, text });
    expect(ack).toMatchObject({ ok: true });
    return { board, f };
  }

  it('refuses prototype keys and out-of-range numbers in a backup, and a valid one exports', async () => {
    const { board, f } = await boardWithNote('hello');
    await f.command({
      type: 'reaction.toggle',
      noteId: (await backupOf(board)).board.notes[0]!.id,
      reaction: 'heart',
    });
    const backup = await backupOf(board);
    const text = JSON.stringify(backup);
    const hostile = [
      // `constructor` as a reaction, a dot and a group count key
      text.replace('"reactions":{', '"reactions":{"constructor":1,'),
      text.replace('"votes":{', '"votes":{"constructor":1,'),
      text.replace('"groupCounts":{', '"groupCounts":{"__proto__":1,'),
      text.replace(/"createdAt":\d+/, '"createdAt":1e308'),
      JSON.stringify({
        ...backup,
        board: { ...backup.board, notes: [{ ...backup.board.notes[0]!, x: 1e300 }] },
      }),
    ];
    for (const [i, body] of hostile.entries()) {
      expect(body, `case ${i}`).not.toBe(text);
      const res = await post(body);
      expect(res.status, `case ${i}`).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_message' } });
    }
    const res = await post(text);
    expect(res.status).toBe(201);
    const copy = (await res.json()) as CreatedBoard;
    for (const format of ['csv', 'xlsx']) {
      const out = await get(copy, format);
      expect(out.status, format).toBe(200);
      await out.arrayBuffer();
    }
  });

  it('writes a note that looks like a formula into CSV as text', async () => {
    const { board } = await boardWithNote('=HYPERLINK("http://x","y")');
    const csv = await (await get(board, 'csv')).text();
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csv).not.toMatch(/(^|;)=HYPERLINK/m);
    // In the spreadsheet the text is a string cell, never a formula.
    const book = new ExcelJS.Workbook();
    const bytes = Buffer.from(await (await get(board, 'xlsx')).arrayBuffer());
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
    const cells: ExcelJS.Cell[] = [];
    book.worksheets[0]!.eachRow((r) => r.eachCell((c) => cells.push(c)));
    const cell = cells.find((c) => String(c.value).includes('HYPERLINK'))!;
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.value).toBe('=HYPERLINK("http://x","y")');
  });

  it('counts the limit in UTF-16 code units after NFC; what is stored passes its own import', async () => {
    // 500 emoji are 1,000 code units: exactly at the limit.
    const { board, f } = await boardWithNote('😀'.repeat(MAX_NOTE_TEXT_LENGTH / 2));
    const over = await f.command({
      type: 'note.add',
      id: newId(),
      x: 0,
      y: 0,
      text: '😀'.repeat(MAX_NOTE_TEXT_LENGTH / 2) + 'x',
    });
    expect(over).toMatchObject({ ok: false, error: { code: 'text_too_long' } });
    // U+FB2C is one code unit as sent and three after NFC: at the limit as sent, past it stored.
    const grows = await f.command({
      type: 'note.add',
      id: newId(),
      x: 0,
      y: 0,
      text: '\uFB2C'.repeat(MAX_NOTE_TEXT_LENGTH),
    });
    expect(grows).toMatchObject({ ok: false, error: { code: 'text_too_long' } });
    const fits = await f.command({
      type: 'note.add',
      id: newId(),
      x: 0,
      y: 0,
      text: '\uFB2C'.repeat(MAX_NOTE_TEXT_LENGTH / 3),
    });
    expect(fits).toMatchObject({ ok: true });
    const res = await post(JSON.stringify(await backupOf(board)));
    expect(res.status).toBe(201);
  });

  it('refuses a station assignment on a board that is not a stations board, naming the field', async () => {
    const create = (body: Record<string, unknown>) =>
      fetch(`${fx.server.url}/api/boards`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Rastit', ...body }),
      });
    const refused = await create({ template: 'blank', assignment: 'self' });
    expect(refused.status).toBe(400);
    const err = ((await refused.json()) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('invalid_message');
    expect(err.message).toMatch(/^assignment:/);
    const stations = await create({ template: 'stations', stations: 2, assignment: 'self' });
    expect(stations.status).toBe(201);
    const board = (await stations.json()) as CreatedBoard;
    const meta = (await backupOf(board)).board.meta;
    expect(meta.stationAssignment).toBe('self');
  });

  it('answers the largest valid notes.move instead of closing the socket', async () => {
    const { board, f } = await boardWithNote('a');
    const noteId = (await backupOf(board)).board.notes[0]!.id;
    // The longest JSON a coordinate can take, on every move: 13 KB, within the message limit.
    const far = -Number.MIN_VALUE * 3 ** 33;
    const moves = Array.from({ length: MAX_MOVES_PER_COMMAND }, () => ({
      id: noteId,
      x: far,
      y: far,
    }));
    const ack = await f.command({ type: 'notes.move', moves });
    expect(ack).toMatchObject({ ok: true });
    expect(f.socket.connected).toBe(true);
    const over = await f.command({ type: 'notes.move', moves: [...moves, moves[0]!] });
    expect(over).toMatchObject({ ok: false, error: { code: 'invalid_command' } });
  });

  async function backupOf(board: CreatedBoard): Promise<BoardBackup> {
    const res = await get(board, 'json');
    expect(res.status).toBe(200);
    return (await res.json()) as BoardBackup;
  }
});
