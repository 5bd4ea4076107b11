/**
 * `pnpm bench export`: a board of N notes (default 5,000) exported as PNG and PDF through the
 * server's exporter (worker thread, tiles, streamed PNG), against the baseline of one canvas for
 * the whole picture encoded in one go, as a browser-style export does. Prints time, peak memory,
 * output size and the longest event-loop stall of the serving thread.
 *
 *   pnpm bench export [--notes 5000] [--scale 1] [--baseline]
 */
import { parseArgs } from 'node:util';
import type { Canvas } from '@napi-rs/canvas';
import * as Y from 'yjs';
import {
  BOARD_SCHEMA_VERSION,
  buildScene,
  drawArea,
  exportSize,
  initBoardDoc,
  NOTE_COLORS,
  NOTE_SIZE,
  newNote,
  readBoard,
  type BoardState,
  type Note,
  type Prompt,
} from '@pajataulu/shared';
import { Exporter } from '../export/exporter.js';
import type { WorkerJob } from '../export/options.js';
import { nodeKonva } from '../export/render.js';

const { values } = parseArgs({
  options: {
    notes: { type: 'string', default: '5000' },
    scale: { type: 'string', default: '1' },
    baseline: { type: 'boolean', default: false },
  },
});
const NOTES = Number(values.notes);
const SCALE = Number(values.scale);
/** Notes per prompt row and column in the generated board. */
const PER_PROMPT_SIDE = 25;
const GAP = 10;
/** Interval of the stall meter's ticks. */
const STALL_TICK_MS = 10;
const WORDS =
  'työ hyvinvointi luottamus avoimuus äänestetään yhdessä övrigt päätös tuki arki'.split(' ');

/** A board like a big workshop: prompts in a row of 2 × n, each full of notes. */
function bigBoard(notes: number): BoardState {
  const doc = new Y.Doc();
  initBoardDoc(doc, {
    title: 'Suuri työpaja – Åbo',
    template: 'blank',
    now: Date.now(),
    schemaVersion: BOARD_SCHEMA_VERSION,
  });
  const base = readBoard(doc);
  const side = PER_PROMPT_SIDE * (NOTE_SIZE + GAP) + 40;
  const perPrompt = PER_PROMPT_SIDE * PER_PROMPT_SIDE;
  const promptCount = Math.ceil(notes / perPrompt);
  const cols = Math.ceil(Math.sqrt(promptCount));
  const prompts: Prompt[] = Array.from({ length: promptCount }, (_, i) => ({
    id: `p${i}`,
    title: `Kysymys ${i + 1}: mikä toimii?`,
    description: 'Kirjoita yksi ajatus lapulle.',
    x: (i % cols) * (side + 60),
    y: Math.floor(i / cols) * (side + 160 + 60),
    w: side,
    h: side + 160,
    createdAt: 0,
    locked: false,
    privateWriting: false,
    waiting: 0,
    station: null,
  }));
  const list: Note[] = Array.from({ length: notes }, (_, i) => {
    const p = prompts[Math.floor(i / perPrompt)]!;
    const k = i % perPrompt;
    return newNote({
      id: `n${i}`,
      promptId: p.id,
      text: Array.from({ length: 4 + (i % 9) }, (_, j) => WORDS[(i + j) % WORDS.length]).join(' '),
      x: p.x + 20 + (k % PER_PROMPT_SIDE) * (NOTE_SIZE + GAP),
      y: p.y + 140 + Math.floor(k / PER_PROMPT_SIDE) * (NOTE_SIZE + GAP),
      color: NOTE_COLORS[i % NOTE_COLORS.length]!,
      createdAt: i,
      group: ['g1', 'g2', 'g3', null][i % 4]!,
      reactions: i % 5 === 0 ? { heart: 2 } : {},
    });
  });
  return { ...base, prompts, notes: list };
}

interface Run {
  ms: number;
  peakRssMb: number;
  bytes: number;
  maxStallMs: number;
}

async function measure(fn: () => Promise<number>): Promise<Run> {
  global.gc?.();
  const start = process.memoryUsage().rss;
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  // The serving thread's longest stall: the largest gap between ticks meant to come every 10 ms.
  let last = performance.now();
  let stall = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last - STALL_TICK_MS);
    last = now;
  }, STALL_TICK_MS);
  const t0 = performance.now();
  const bytes = await fn();
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 2 * STALL_TICK_MS));
  clearInterval(ticker);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, peakRssMb: (peak - start) / 2 ** 20, bytes, maxStallMs: Math.max(0, stall) };
}

async function viaExporter(job: WorkerJob): Promise<number> {
  let bytes = 0;
  await new Exporter().run(
    job,
    { start: () => {}, chunk: (b) => ((bytes += b.length), true), onDrain: () => {} },
    new AbortController().signal,
    'bench',
  );
  return bytes;
}

/** The baseline: the whole picture on one canvas, encoded at once. */
async function oneCanvas(board: BoardState): Promise<number> {
  const scene = buildScene(board, { locale: 'fi', now: Date.now() });
  const { width, height } = exportSize(scene, SCALE);
  const K = nodeKonva();
  const stage = new K.Stage({ width, height } as ConstructorParameters<typeof K.Stage>[0]);
  const layer = new K.Layer({ listening: false });
  stage.add(layer);
  layer.getCanvas().setPixelRatio(1);
  drawArea(K, layer, scene, { x: 0, y: 0, w: scene.width, h: scene.height }, SCALE);
  const canvas = layer.getCanvas()._canvas as unknown as Canvas;
  const png = await canvas.encode('png');
  stage.destroy();
  return png.length;
}

const fmt = (r: Run) =>
  `${(r.ms / 1000).toFixed(2).padStart(7)} s  ${r.peakRssMb.toFixed(0).padStart(6)} MB  ${(r.bytes / 2 ** 20).toFixed(1).padStart(6)} MiB  ${r.maxStallMs.toFixed(0).padStart(6)} ms`;

const board = bigBoard(NOTES);
const scene = buildScene(board, { locale: 'fi', now: Date.now() });
const size = exportSize(scene, SCALE);
console.log(
  `export bench: ${NOTES} notes in ${board.prompts.length} prompts; PNG at ${SCALE}× is ${size.width} × ${size.height} (${((size.width * size.height) / 1e6).toFixed(0)} MP); Node ${process.version}`,
);
console.log(`${'case'.padEnd(40)}     time   peak RSS     output  loop stall`);
const common = { board, locale: 'fi' as const, now: Date.now() };
const png = await measure(() => viaExporter({ kind: 'png', ...common, scale: SCALE }));
console.log(`${'PNG, tiled in a worker (Pajataulu)'.padEnd(40)} ${fmt(png)}`);
const pdf = await measure(() =>
  viaExporter({ kind: 'pdf', ...common, paper: 'a3', layout: 'board' }),
);
console.log(`${'PDF, one A3 page'.padEnd(40)} ${fmt(pdf)}`);
const pdfPages = await measure(() =>
  viaExporter({ kind: 'pdf', ...common, paper: 'a4', layout: 'prompts' }),
);
console.log(`${`PDF, A4 page per prompt (${board.prompts.length})`.padEnd(40)} ${fmt(pdfPages)}`);
if (values.baseline) {
  try {
    const base = await measure(() => oneCanvas(board));
    console.log(`${'baseline: one canvas, on the main thread'.padEnd(40)} ${fmt(base)}`);
    console.log(
      `ratios (baseline / Pajataulu PNG): time ${(base.ms / png.ms).toFixed(2)}×, peak memory ${(base.peakRssMb / Math.max(1, png.peakRssMb)).toFixed(1)}×, longest stall ${(base.maxStallMs / Math.max(1, png.maxStallMs)).toFixed(0)}×`,
    );
  } catch (err) {
    console.log(`${'baseline: one canvas, on the main thread'.padEnd(40)} failed: ${String(err)}`);
  }
}
