import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { addNote, createBoard, DESKTOP, newPage, watchErrors } from './helpers.js';

test('a facilitator downloads the board as XLSX, CSV and JSON from the tools panel', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const errors = watchErrors(f, 'facilitator');
  await createBoard(f, 'Vienti', 'retro');
  await addNote(f, 'Äänestetään ensi kerralla aiemmin');

  const saved: Record<string, Buffer> = {};
  for (const format of ['xlsx', 'csv', 'json']) {
    const [download] = await Promise.all([
      f.waitForEvent('download'),
      f.getByTestId(`export-${format}`).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^pajataulu-[A-Z0-9]{7}\\.${format}$`));
    saved[format] = fs.readFileSync((await download.path())!);
  }
  // A real spreadsheet (a zip archive), a Finnish-Excel CSV, and a backup that says what it is.
  expect(saved['xlsx']!.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
  expect([...saved['csv']!.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(saved['csv']!.toString('utf8')).toContain('Äänestetään ensi kerralla aiemmin');
  expect(JSON.parse(saved['json']!.toString('utf8'))).toMatchObject({
    format: 'pajataulu-board',
    board: { meta: { title: 'Vienti' } },
  });
  expect(errors).toEqual([]);
});
