/**
 * `pnpm bench render`: the built app in headless Chromium at 1280×800 on boards of 1,000 / 5,000 /
 * 10,000 notes. Times navigation to the first full render, then a scripted zoom and pan, and
 * prints frame times. With `--baseline`, the same board and script on a page that mounts every
 * note with plain react-konva (`bench/pages/baseline-render.tsx`).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { boolFlag, numberListFlag, type Args } from '../lib/args.js';
import { seedPajataulu } from '../lib/clients.js';
import { fmt, machineLine, percentile, printTable, rowsOf } from '../lib/stats.js';
import { REPO_ROOT, startTarget } from '../lib/target.js';

export const VIEWPORT = { width: 1280, height: 800 };
/** The browser flags of the end-to-end suite. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** How long a page may take to show the whole board. */
const READY_TIMEOUT_MS = 120_000;
/** Pause between scripted input events (about one per frame). */
const STEP_MS = 16;
const CLIENT_INDEX = path.join(REPO_ROOT, 'client/dist/index.html');
const BASELINE_PAGE = path.join(REPO_ROOT, 'bench/pages/baseline-render.tsx');

interface RenderResult {
  firstRenderMs: number;
  frames: number[];
}

declare global {
  interface Window {
    __frames?: number[];
    __framesStop?: boolean;
    __rendered?: number;
    __pajataulu?: {
      synced(): boolean;
      notes(): unknown[];
      stageToScreen(p: { x: number; y: number }): { x: number; y: number };
    };
  }
}

/** Zoom in from the whole board, pan, zoom out, pan, zoom in: what a facilitator does. */
async function script(page: Page): Promise<void> {
  await page.mouse.move(VIEWPORT.width / 2, VIEWPORT.height / 2);
  const wheel = async (dx: number, dy: number, times: number) => {
    for (let i = 0; i < times; i++) {
      await page.mouse.wheel(dx, dy);
      await page.waitForTimeout(STEP_MS);
    }
  };
  await wheel(0, -100, 14);
  // Shift + wheel pans in both pages (a drag might pick up a note instead of the canvas).
  await page.keyboard.down('Shift');
  await wheel(0, 60, 30);
  await page.keyboard.up('Shift');
  await wheel(0, 100, 10);
  await page.keyboard.down('Shift');
  await wheel(0, -60, 30);
  await page.keyboard.up('Shift');
  await wheel(0, -100, 6);
}

async function measure(
  browser: Browser,
  url: string,
  ready: (page: Page) => Promise<void>,
  where?: (page: Page) => Promise<unknown>,
): Promise<RenderResult> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  try {
    await page.goto(url);
    await ready(page);
    const firstRenderMs = await page.evaluate(
      () =>
        new Promise<number>((resolve) =>
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))),
        ),
    );
    await page.evaluate(() => {
      window.__frames = [];
      window.__framesStop = false;
      const loop = (t: number) => {
        window.__frames!.push(t);
        if (!window.__framesStop) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    });
    const before = JSON.stringify(await where?.(page));
    await script(page);
    // The script must have moved the view, or the frames say nothing about pan and zoom.
    if (where && JSON.stringify(await where(page)) === before)
      throw new Error('the scripted zoom and pan did not change the view');
    // Let the last input's frames land.
    await page.waitForTimeout(250);
    const stamps = await page.evaluate(() => {
      window.__framesStop = true;
      return window.__frames ?? [];
    });
    const frames = stamps.slice(1).map((t, i) => t - stamps[i]!);
    return { firstRenderMs, frames };
  } finally {
    await context.close();
  }
}

async function baselineBundle(): Promise<string> {
  const out = await build({
    entryPoints: [BASELINE_PAGE],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  return out.outputFiles[0]!.text;
}

/** Serves the baseline page, its bundle, and the board under test as `board.json`. */
async function baselineServer(js: string): Promise<{
  url: string;
  setBoard(json: string): void;
  close(): Promise<void>;
}> {
  let board = '{}';
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><style>body{margin:0;overflow:hidden}</style>' +
    '</head><body><div id="root"></div><script type="module" src="/baseline.js"></script></body></html>';
  const server = http.createServer((req, res) => {
    const send = (type: string, body: string) => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.url === '/baseline.js') send('text/javascript', js);
    else if (req.url === '/board.json') send('application/json', board);
    else send('text/html', html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    setBoard: (json) => (board = json),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export async function benchRender(args: Args): Promise<void> {
  const sizes = numberListFlag(args, 'notes', [1_000, 5_000, 10_000], { min: 1, max: 20_000 });
  const withBaseline = boolFlag(args, 'baseline');
  if (!fs.existsSync(CLIENT_INDEX))
    throw new Error(`${CLIENT_INDEX} is missing: run \`pnpm build\` first`);
  process.stdout.write(
    `render: boards of ${sizes.join(', ')} notes at ${VIEWPORT.width}×${VIEWPORT.height}, ` +
      `headless Chromium\n${machineLine()}\n`,
  );
  const target = await startTarget('pajataulu');
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  const baseline = withBaseline ? await baselineServer(await baselineBundle()) : undefined;
  try {
    const url = target.urls[0]!;
    for (const n of sizes) {
      const board = await seedPajataulu(url, n);
      const ours = await measure(
        browser,
        board.links.facilitator,
        async (page) => {
          await page.waitForFunction(
            (count) =>
              window.__pajataulu?.synced() === true && window.__pajataulu.notes().length >= count,
            n,
            { polling: 50, timeout: READY_TIMEOUT_MS },
          );
        },
        (page) => page.evaluate(() => window.__pajataulu?.stageToScreen({ x: 0, y: 0 })),
      );
      process.stdout.write(
        `[pajataulu, ${n} notes] first full render ${fmt(ours.firstRenderMs)} ms\n`,
      );
      let base: RenderResult | undefined;
      if (baseline) {
        const res = await fetch(`${url}/api/boards/${board.boardId}/export.json`, {
          headers: { authorization: `Bearer ${board.facilitatorKey}` },
        });
        baseline.setBoard(await res.text());
        base = await measure(browser, baseline.url, async (page) => {
          await page.waitForFunction(() => window.__rendered !== undefined, undefined, {
            polling: 50,
            timeout: READY_TIMEOUT_MS,
          });
        });
        process.stdout.write(
          `[baseline, ${n} notes] first full render ${fmt(base.firstRenderMs)} ms\n`,
        );
      }
      const r = rowsOf(ours, base);
      printTable(
        `Board of ${n.toLocaleString('en-US')} notes`,
        [
          r('navigation to first full render', 'ms', (x) => x.firstRenderMs),
          r('frame time p50, zoom and pan', 'ms', (x) => percentile(x.frames, 50)),
          r('frame time p95', 'ms', (x) => percentile(x.frames, 95)),
          r('frame time max', 'ms', (x) => Math.max(...x.frames)),
          r('frames drawn during the script', '', (x) => x.frames.length),
        ],
        ['Pajataulu', 'plain react-konva'],
      );
    }
  } finally {
    await browser.close();
    await baseline?.close();
    await target.close();
  }
  process.stdout.write(`after the run: ${machineLine()}\n`);
}
