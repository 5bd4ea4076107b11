import fs from 'node:fs';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { PDFParse } from 'pdf-parse';
import { expect, test, type Page } from '@playwright/test';
import {
  addNote,
  createBoard,
  DESKTOP,
  joinByCode,
  newPage,
  shot,
  synced,
  watchErrors,
} from './helpers.js';

interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

async function decodePng(bytes: Buffer): Promise<Pixels> {
  const img = await loadImage(bytes);
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  return {
    width: img.width,
    height: img.height,
    data: ctx.getImageData(0, 0, img.width, img.height).data,
  };
}

/** Clicks an export button and returns the downloaded file's name and bytes. */
async function download(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    page.getByTestId(testId).click(),
  ]);
  return { name: file.suggestedFilename(), bytes: fs.readFileSync((await file.path())!) };
}

/**
 * How far two pictures of the same board may differ: the share of pixels that differ by more
 * than PIXEL_DELTA in some channel. Browser and server draw with the same code and font; what
 * differs is anti-aliasing at glyph and curve edges.
 */
const PIXEL_DELTA = 48;
const MAX_DIFFERING_SHARE = 0.002;

test('a facilitator downloads the board as PNG, PDF, XLSX, CSV and JSON from the tools panel', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const errors = watchErrors(f, 'facilitator');
  await createBoard(f, 'Vienti – Åbo', 'retro');
  await addNote(f, 'Äänestetään ensi kerralla aiemmin');
  await f.getByTestId('export-pdf').scrollIntoViewIfNeeded();
  await shot(f, 'export-panel');

  const saved: Record<string, Buffer> = {};
  for (const format of ['png', 'pdf', 'xlsx', 'csv', 'json']) {
    const { name, bytes } = await download(f, `export-${format}`);
    expect(name).toMatch(new RegExp(`^pajataulu-[A-Z0-9]{7}\\.${format}$`));
    saved[format] = bytes;
  }
  // A picture a real decoder reads, of the whole board at 1×.
  const png = await decodePng(saved['png']!);
  expect(png.width).toBeGreaterThanOrEqual(960);
  expect(png.height).toBeGreaterThan(400);
  // A PDF whose text is text, Finnish and Swedish letters included.
  const pdf = new PDFParse({ data: new Uint8Array(saved['pdf']!) });
  const text = await pdf.getText();
  expect(text.total).toBe(1);
  expect(text.text).toContain('Vienti – Åbo');
  // Wrapped on the note, so word by word.
  for (const word of ['Äänestetään', 'kerralla', 'aiemmin']) expect(text.text).toContain(word);
  await pdf.destroy();
  // A real spreadsheet (a zip archive), a Finnish-Excel CSV, and a backup that says what it is.
  expect(saved['xlsx']!.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
  expect([...saved['csv']!.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(saved['csv']!.toString('utf8')).toContain('Äänestetään ensi kerralla aiemmin');
  expect(JSON.parse(saved['json']!.toString('utf8'))).toMatchObject({
    format: 'pajataulu-board',
    board: { meta: { title: 'Vienti – Åbo' } },
  });
  expect(errors).toEqual([]);
});

test('a participant saves the image when allowed, and it matches the server’s picture', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const { page: p } = await newPage(browser, DESKTOP);
  const errors = [...watchErrors(f, 'facilitator'), ...watchErrors(p, 'participant')];
  const code = await createBoard(f, 'Kuvavertailu – Ölands', 'trust');
  await addNote(f, 'Luottamus syntyy teoista');
  await addNote(f, 'Övrigt: återkoppling');
  await joinByCode(p, code);
  await expect(p.getByTestId('save-image')).toHaveCount(0);

  await f.getByTestId('participant-export').check();
  await expect(p.getByTestId('save-image')).toBeVisible();
  await shot(p, 'export-participant');
  await synced(p);
  const client = await decodePng((await download(p, 'save-image')).bytes);
  const server = await decodePng((await download(f, 'export-png')).bytes);

  expect([client.width, client.height]).toEqual([server.width, server.height]);
  let differing = 0;
  for (let i = 0; i < client.data.length; i += 4) {
    if (
      Math.abs(client.data[i]! - server.data[i]!) > PIXEL_DELTA ||
      Math.abs(client.data[i + 1]! - server.data[i + 1]!) > PIXEL_DELTA ||
      Math.abs(client.data[i + 2]! - server.data[i + 2]!) > PIXEL_DELTA
    )
      differing++;
  }
  const share = differing / (client.width * client.height);
  console.log(
    `client vs server PNG: ${(share * 100).toFixed(3)} % of pixels differ by > ${PIXEL_DELTA}`,
  );
  expect(share).toBeLessThan(MAX_DIFFERING_SHARE);

  await f.getByTestId('participant-export').uncheck();
  await expect(p.getByTestId('save-image')).toHaveCount(0);
  expect(errors).toEqual([]);
});
