import fs from 'node:fs';
import path from 'node:path';
import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

/** Screenshots of each run, kept as test artifacts. */
export const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts');
fs.mkdirSync(ARTIFACTS, { recursive: true });

export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };

export interface BoardNote {
  id: string;
  text: string;
  x: number;
  y: number;
  promptId: string | null;
  offstage: string | null;
  /** Whether a facilitator changed the text of this participant's note. */
  editedByFacilitator: boolean;
}
export interface BoardPrompt {
  id: string;
  title: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Fails a test on any error the page logs. */
export function watchErrors(page: Page, name: string): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket connection|Failed to load resource/.test(m.text()))
      errors.push(`${name}: ${m.text()}`);
  });
  return errors;
}

export async function newPage(
  browser: Browser,
  options: Parameters<Browser['newContext']>[0],
  lang = 'fi',
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ ...options, locale: lang });
  const page = await context.newPage();
  return { context, page };
}

export async function synced(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      (window as unknown as { __pajataulu?: { synced(): boolean } }).__pajataulu?.synced() === true,
  );
}

export function notes(page: Page): Promise<BoardNote[]> {
  return page.evaluate(() =>
    (window as unknown as { __pajataulu: { notes(): BoardNote[] } }).__pajataulu.notes(),
  );
}
export function prompts(page: Page): Promise<BoardPrompt[]> {
  return page.evaluate(() =>
    (window as unknown as { __pajataulu: { prompts(): BoardPrompt[] } }).__pajataulu.prompts(),
  );
}

/** Page coordinates of a canvas point. */
export function onScreen(
  page: Page,
  p: { x: number; y: number },
): Promise<{ x: number; y: number }> {
  return page.evaluate(
    (pt) =>
      (
        window as unknown as {
          __pajataulu: { stageToScreen(p: { x: number; y: number }): { x: number; y: number } };
        }
      ).__pajataulu.stageToScreen(pt),
    p,
  );
}

/** Creates a board from the landing page and opens it as facilitator; returns its join code. */
export async function createBoard(page: Page, title: string, template = 'blank'): Promise<string> {
  await page.goto('/');
  await page.getByTestId('create-title').fill(title);
  await page.getByTestId('create-template').selectOption(template);
  await page.getByTestId('create-submit').click();
  const code = (await page.getByTestId('join-code').textContent())!.replace(/\s/g, '');
  await page.getByTestId('open-facilitator').click();
  await synced(page);
  return code;
}

/** Shows the canvas rather than the list (phones start with the list). */
export async function showCanvas(page: Page): Promise<void> {
  const toggle = page.getByTestId('toggle-list');
  if ((await toggle.getAttribute('aria-pressed')) === 'true') await toggle.click();
}

/** Joins by typing the code on the landing page, as a participant would. */
export async function joinByCode(page: Page, code: string, group?: string): Promise<void> {
  await page.goto('/');
  await page
    .getByTestId('join-code-input')
    .fill(`${code.slice(0, 3).toLowerCase()} ${code.slice(3)}`);
  await page.getByTestId('join-go').click();
  if (group) await page.getByTestId(`join-group-${group}`).check();
  await page.getByTestId('join-submit').click();
  await synced(page);
  await showCanvas(page);
}

/** Adds a note with the toolbar button and types its text. Returns the note's id. */
export async function addNote(page: Page, text: string): Promise<string> {
  const before = new Set((await notes(page)).map((n) => n.id));
  await page.getByTestId('add-note').click();
  await page.getByTestId('note-editor').fill(text);
  await page.getByTestId('note-save').click();
  let id = '';
  await expect
    .poll(async () => {
      const added = (await notes(page)).find((n) => !before.has(n.id) && n.text === text);
      id = added?.id ?? '';
      return id;
    })
    .not.toBe('');
  return id;
}

/** A canvas point on `id` that no note drawn above it covers (later notes are drawn on top). */
export async function visiblePointOf(page: Page, id: string): Promise<{ x: number; y: number }> {
  const all = await notes(page);
  const i = all.findIndex((n) => n.id === id);
  const n = all[i]!;
  const above = all.slice(i + 1);
  const size = 160;
  for (let dy = 20; dy < size; dy += 20) {
    for (let dx = 20; dx < size; dx += 20) {
      const p = { x: n.x + dx, y: n.y + dy };
      if (!above.some((o) => p.x >= o.x && p.x <= o.x + size && p.y >= o.y && p.y <= o.y + size))
        return p;
    }
  }
  throw new Error(`note ${id} is covered`);
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}
