/**
 * PNG and PDF exports over HTTP, checked by decoding what came back: the PNG with a real decoder
 * (@napi-rs/canvas), the PDF with a real parser (pdf-parse).
 */
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { PDFParse } from 'pdf-parse';
import { describe, expect, it } from 'vitest';
import {
  buildScene,
  MAX_EXPORT_SIDE,
  NOTE_COLORS,
  NOTE_FILL,
  rasterizeScene,
  readBoard,
  type BoardState,
  type Scene,
} from '@pajataulu/shared';
import { nodeKonva } from '../export/render.js';
import {
  createBoardWith,
  type CreatedBoard,
  joinAs,
  newId,
  TestClient,
  useServer,
} from './harness.js';

interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

async function decodePng(bytes: Uint8Array): Promise<Pixels> {
  const img = await loadImage(Buffer.from(bytes));
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  return {
    width: img.width,
    height: img.height,
    data: ctx.getImageData(0, 0, img.width, img.height).data,
  };
}

const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
const pixel = (p: Pixels, x: number, y: number) => {
  const i = (Math.round(y) * p.width + Math.round(x)) * 4;
  return [p.data[i]!, p.data[i + 1]!, p.data[i + 2]!];
};
const near = (a: number[], b: number[], tolerance = 3) =>
  a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);

/** Mean absolute difference per channel over a region of two images (0–255). */
function regionDiff(
  a: Pixels,
  b: Pixels,
  box: { x: number; y: number; w: number; h: number },
): number {
  let sum = 0;
  let n = 0;
  for (let y = Math.floor(box.y); y < box.y + box.h; y++) {
    for (let x = Math.floor(box.x); x < box.x + box.w; x++) {
      const pa = pixel(a, x, y);
      const pb = pixel(b, x, y);
      for (let c = 0; c < 3; c++) sum += Math.abs(pa[c]! - pb[c]!);
      n += 3;
    }
  }
  return sum / n;
}

/** Draws a scene in this process with the export's own code, as the reference. */
async function drawReference(scene: Scene, scale: number, tileSize?: number): Promise<Pixels> {
  const width = Math.ceil(scene.width * scale);
  const data = new Uint8ClampedArray(width * Math.ceil(scene.height * scale) * 4);
  let offset = 0;
  const size = await rasterizeScene(
    nodeKonva(),
    scene,
    { scale, ...(tileSize ? { tileSize } : {}) },
    (rgba) => {
      data.set(rgba, offset);
      offset += rgba.length;
    },
  );
  return { ...size, data };
}

describe('PNG and PDF export', () => {
  const fx = useServer();

  /** A trust-workbook board: a note of every colour spread over the prompts, some group-tagged. */
  async function workshop(title = 'Luottamus – työpaja'): Promise<{
    board: CreatedBoard;
    state: () => BoardState;
  }> {
    const board = await createBoardWith(fx.server.url, { title, template: 'trust' });
    const f = await TestClient.connect(fx.server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    fx.clients.push(f);
    const prompts = readBoard(f.doc).prompts;
    const writers: TestClient[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await joinAs(fx.server.url, board.code, { group: 'g3' });
      const c = await TestClient.connect(fx.server.url, board.boardId, { token: p.token });
      fx.clients.push(c);
      writers.push(c);
    }
    for (const [i, color] of NOTE_COLORS.entries()) {
      const prompt = prompts[i % prompts.length]!;
      await writers[i % 3]!.command({
        type: 'note.add',
        id: newId(),
        x: prompt.x + 30 + (i % 2) * 180,
        y: prompt.y + 120,
        // Short texts keep each note's centre free of glyphs.
        text: ['Äänestetään', 'Övrigt', 'Luottamus', 'Avoimuus', 'Yhdessä', 'Tuki'][i]!,
        color,
      });
    }
    return { board, state: () => readBoard(f.doc) };
  }

  const get = (board: CreatedBoard, path: string, key = board.facilitatorKey) =>
    fetch(`${fx.server.url}/api/boards/${board.boardId}/${path}`, {
      headers: { authorization: `Bearer ${key}` },
    });

  it('PNG covers every note, each note centre has the note colour, at 1× and 2×', async () => {
    const { board, state } = await workshop();
    for (const scale of [1, 2]) {
      const res = await get(board, `export.png?scale=${scale}&lang=fi`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const png = await decodePng(new Uint8Array(await res.arrayBuffer()));
      const scene = buildScene(state(), { locale: 'fi', now: Date.now() });
      expect(png.width).toBe(Math.ceil(scene.width * scale));
      expect(png.height).toBe(Math.ceil(scene.height * scale));
      expect(res.headers.get('x-image-size')).toBe(`${png.width}x${png.height}`);
      expect(scene.notes).toHaveLength(NOTE_COLORS.length);
      for (const n of scene.notes) {
        // Inside the image…
        expect(n.box.x >= 0 && (n.box.x + n.box.w) * scale <= png.width).toBe(true);
        expect(n.box.y >= 0 && (n.box.y + n.box.h) * scale <= png.height).toBe(true);
        // …and drawn in its colour.
        const c = pixel(png, (n.box.x + n.box.w / 2) * scale, (n.box.y + n.box.h / 2) * scale);
        expect(near(c, hex(n.fill)), `${n.id}: ${c.join(',')} vs ${n.fill}`).toBe(true);
      }
    }
  });

  it('PNG header carries the title: its region matches a reference drawing of the title', async () => {
    const { board, state } = await workshop('Työhyvinvoinnin vuosikello – Åbo');
    const png = await decodePng(
      new Uint8Array(await (await get(board, 'export.png')).arrayBuffer()),
    );
    const scene = buildScene(state(), { locale: 'fi', now: Date.now() });
    const title = scene.items[0]!;
    expect(title).toMatchObject({ kind: 'text', text: 'Työhyvinvoinnin vuosikello – Åbo' });
    const only = (text: string): Scene => ({
      ...scene,
      items: [{ ...title, text } as typeof title],
      notes: [],
    });
    const reference = await drawReference(only('Työhyvinvoinnin vuosikello – Åbo'), 1);
    const other = await drawReference(only('Toinen otsikko'), 1);
    const blank = await drawReference(only(''), 1);
    const same = regionDiff(png, reference, title.box);
    expect(same).toBeLessThan(1);
    // The comparison can tell titles apart, and a title from none.
    expect(regionDiff(png, other, title.box)).toBeGreaterThan(same + 5);
    expect(regionDiff(png, blank, title.box)).toBeGreaterThan(same + 5);
  });

  it('tiles stitch seamlessly: small tiles give the same pixels as one tile', async () => {
    const { state } = await workshop();
    const scene = buildScene(state(), { locale: 'sv', now: 0 });
    const whole = await drawReference(scene, 1, 8192);
    const tiled = await drawReference(scene, 1, 300);
    expect(tiled.width).toBe(whole.width);
    // Not on average: pixel by pixel, so a line lost at a seam fails.
    let differing = 0;
    for (let i = 0; i < whole.data.length; i++)
      if (Math.abs(whole.data[i]! - tiled.data[i]!) > 8) differing++;
    expect(differing).toBe(0);
  });

  it('one prompt: only its notes, the prompt filling the picture', async () => {
    const { board, state } = await workshop();
    const prompt = state().prompts[0]!;
    const res = await get(board, `export.png?prompt=${prompt.id}`);
    const png = await decodePng(new Uint8Array(await res.arrayBuffer()));
    const scene = buildScene(state(), { locale: 'fi', now: 0, promptId: prompt.id });
    expect(png.width).toBe(scene.width);
    const inPrompt = state().notes.filter((n) => n.promptId === prompt.id);
    expect(inPrompt.length).toBeGreaterThan(0);
    expect(scene.notes.map((n) => n.id).sort()).toEqual(inPrompt.map((n) => n.id).sort());
    for (const n of scene.notes) {
      const color = inPrompt.find((m) => m.id === n.id)!.color;
      expect(
        near(pixel(png, n.box.x + n.box.w / 2, n.box.y + n.box.h / 2), hex(NOTE_FILL[color])),
      ).toBe(true);
    }
  });

  it('above the pixel cap: a typed 413 with the largest scale that fits, which then works', async () => {
    const board = await createBoardWith(fx.server.url, { title: 'Leveä', template: 'blank' });
    const f = await TestClient.connect(fx.server.url, board.boardId, {
      facilitatorKey: board.facilitatorKey,
    });
    fx.clients.push(f);
    await f.command({ type: 'note.add', id: newId(), x: 0, y: 0, text: 'vasen' });
    await f.command({ type: 'note.add', id: newId(), x: 30_000, y: 0, text: 'oikea' });
    const res = await get(board, 'export.png?scale=4');
    expect(res.status).toBe(413);
    const { error } = (await res.json()) as { error: { code: string; maxScale: number } };
    expect(error.code).toBe('export_too_large');
    expect(error.maxScale).toBeGreaterThan(1);
    expect(error.maxScale * 30_300).toBeLessThanOrEqual(MAX_EXPORT_SIDE);
    const ok = await get(board, `export.png?scale=${error.maxScale}`);
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it('bad parameters and missing keys are refused with typed errors', async () => {
    const { board } = await workshop();
    for (const q of ['scale=abc', 'scale=0', 'scale=9', 'prompt=nosuchprompt']) {
      const res = await get(board, `export.png?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_message' } });
    }
    for (const q of ['paper=a5', 'pages=all']) {
      const res = await get(board, `export.pdf?${q}`);
      expect(res.status, q).toBe(400);
    }
    expect((await get(board, 'export.png', board.projectorKey)).status).toBe(401);
    expect((await get(board, 'export.pdf', 'wrong')).status).toBe(401);
  });

  it('PDF: A4 or A3 landscape, text as real text with Finnish and Swedish letters, a page per prompt', async () => {
    const { board, state } = await workshop('Åbo – työpaja');
    const one = Buffer.from(await (await get(board, 'export.pdf?lang=sv')).arrayBuffer());
    expect(one.subarray(0, 5).toString()).toBe('%PDF-');
    const parser = new PDFParse({ data: new Uint8Array(one) });
    const text = await parser.getText();
    expect(text.total).toBe(1);
    for (const word of ['Åbo – työpaja', 'Äänestetään', 'Övrigt', 'Luottamus'])
      expect(text.text).toContain(word);
    await parser.destroy();
    // A4 landscape: 841.89 × 595.28 points.
    expect(one.toString('latin1')).toMatch(/MediaBox \[0 0 841\.89 595\.28\]/);

    const many = Buffer.from(
      await (await get(board, 'export.pdf?paper=a3&pages=prompts')).arrayBuffer(),
    );
    const pages = new PDFParse({ data: new Uint8Array(many) });
    const perPrompt = await pages.getText();
    // The whole board, then a page per prompt.
    expect(perPrompt.total).toBe(1 + state().prompts.length);
    for (const p of state().prompts) expect(perPrompt.text).toContain(p.title.slice(0, 20));
    await pages.destroy();
    expect(many.toString('latin1')).toMatch(/MediaBox \[0 0 1190\.55 841\.89\]/);
  });
});
