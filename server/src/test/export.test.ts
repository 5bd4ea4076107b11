import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readBoard, type BoardBackup } from '@pajataulu/shared';
import {
  createBoardWith,
  type CreatedBoard,
  joinAs,
  newId,
  TestClient,
  useServer,
} from './harness.js';

describe('exports and backups over HTTP', () => {
  const fx = useServer();

  /** A trust-workbook board with notes from three johto members (tag shown) and one henkilöstö member (tag withheld), and a closed vote. */
  async function workshop(): Promise<{ board: CreatedBoard; notes: Record<string, string> }> {
    const board = await createBoardWith(fx.server.url, {
      title: 'Luottamus – työpaja',
      template: 'trust',
    });
    const f = await TestClient.connect(fx.server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    fx.clients.push(f);
    const prompt = readBoard(f.doc).prompts[0]!;
    const notes: Record<string, string> = {};
    const written = [
      ['g3', 'Johto: "avoimuus" ja luottamus'],
      ['g3', 'Äänestetään; päätetään yhdessä'],
      ['g3', 'Övrigt på svenska'],
      ['g1', 'Henkilöstön ääni'],
    ] as const;
    // Everyone joins before anyone writes: a tag is decided when its note is written.
    const writers: TestClient[] = [];
    for (const [group] of written) {
      const p = await joinAs(fx.server.url, board.code, { group });
      const c = await TestClient.connect(fx.server.url, board.boardId, { token: p.token });
      fx.clients.push(c);
      writers.push(c);
    }
    for (const [i, [, text]] of written.entries()) {
      const id = newId();
      notes[text] = id;
      await writers[i]!.command({
        type: 'note.add',
        id,
        x: prompt.x + 20 + i * 170,
        y: prompt.y + 120,
        text,
      });
    }
    const roundId = newId();
    await f.command({ type: 'vote.start', roundId, dots: 3, maxPerNote: 2, label: 'Kierros 1' });
    await fx.clients[1]!.command({
      type: 'vote.cast',
      roundId,
      noteId: notes['Johto: "avoimuus" ja luottamus']!,
    });
    await fx.clients[2]!.command({
      type: 'vote.cast',
      roundId,
      noteId: notes['Johto: "avoimuus" ja luottamus']!,
    });
    await f.command({ type: 'vote.end', roundId });
    return { board, notes };
  }

  const get = (board: CreatedBoard, format: string, key = board.facilitatorKey) =>
    fetch(`${fx.server.url}/api/boards/${board.boardId}/export.${format}`, {
      headers: { authorization: `Bearer ${key}` },
    });

  it('needs the facilitator key', async () => {
    const { board } = await workshop();
    expect((await fetch(`${fx.server.url}/api/boards/${board.boardId}/export.csv`)).status).toBe(
      401,
    );
    expect((await get(board, 'csv', board.projectorKey)).status).toBe(401);
    expect((await get({ ...board, boardId: 'nosuchboard' }, 'csv')).status).toBe(404);
    expect((await get(board, 'exe')).status).toBe(404);
  });

  it('CSV: UTF-8 with BOM, semicolons, quoted where needed; group tags only where K allows', async () => {
    const { board } = await workshop();
    const res = await get(board, 'csv');
    expect(res.headers.get('content-type')).toMatch(/text\/csv; charset=utf-8/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes.slice(3));
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]!.split(';').slice(0, 3)).toEqual(['Alue', 'Teksti', 'Ryhmä']);
    expect(lines).toHaveLength(5);
    expect(text).toContain('"Johto: ""avoimuus"" ja luottamus";johto');
    expect(text).toContain('"Äänestetään; päätetään yhdessä";johto');
    // Henkilöstö has one member: below K, so no tag.
    expect(lines.find((l) => l.includes('Henkilöstön ääni'))!.split(';')[2]).toBe('');
    expect(text).not.toMatch(/henkilöstö/);
  });

  it('XLSX opens with a real reader and every note, group and vote matches the board', async () => {
    const { board, notes } = await workshop();
    const res = await get(board, 'xlsx');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const rows: unknown[][] = [];
    sheet.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    const header = rows[0] as string[];
    const col = (name: string) => header.indexOf(name);
    expect(rows).toHaveLength(1 + Object.keys(notes).length);
    const byText = new Map(rows.slice(1).map((r) => [r[col('Teksti')] as string, r]));
    for (const text of Object.keys(notes)) expect(byText.has(text)).toBe(true);
    expect(byText.get('Johto: "avoimuus" ja luottamus')![col('Pisteet Kierros 1')]).toBe(2);
    expect(byText.get('Övrigt på svenska')![col('Ryhmä')]).toBe('johto');
    expect(byText.get('Henkilöstön ääni')![col('Ryhmä')]).toBe('');
    expect(byText.get('Henkilöstön ääni')![col('Alue')]).toBe(
      'Esihenkilön rooli luottamuksen rakentajana',
    );
  });

  it('JSON backup → import gives an identical board under a new code', async () => {
    const { board } = await workshop();
    const backup = (await (await get(board, 'json')).json()) as BoardBackup;
    const res = await fetch(`${fx.server.url}/api/boards/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(backup),
    });
    expect(res.status).toBe(201);
    const copy = (await res.json()) as CreatedBoard;
    expect(copy.code).not.toBe(board.code);
    const original = readBoard((await fx.server.app.registry.get(board.boardId)).doc);
    const restored = readBoard((await fx.server.app.registry.get(copy.boardId)).doc);
    expect(restored).toEqual(original);
  });

  it('a broken or foreign backup is refused with a typed error', async () => {
    const post = (body: string) =>
      fetch(`${fx.server.url}/api/boards/import`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    for (const body of [
      '{}',
      '{"format":"miro"}',
      JSON.stringify({
        format: 'pajataulu-board',
        version: 1,
        exportedAt: '',
        board: { meta: {}, prompts: [], notes: [] },
      }),
    ]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_message' } });
    }
  });
});
