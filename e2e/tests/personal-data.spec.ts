import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, test, type Page } from '@playwright/test';
import {
  createBoard,
  DESKTOP,
  newPage,
  notes,
  PHONE,
  prompts,
  shot,
  synced,
  watchErrors,
} from './helpers.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical WCAG 2.1 A/AA violations on the page (as in accessibility.spec.ts). */
async function violations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: Document,
            opts: object,
          ): Promise<{ violations: { id: string; impact: string | null; nodes: unknown[] }[] }>;
        };
      }
    ).axe;
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id);
  });
}

test('on a phone, a note with a personal identity code is held back: the writer edits it out and sends', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const errors = watchErrors(f, 'facilitator');
  const code = await createBoard(f, 'Osaston kehittämispäivä', 'retro');
  await expect.poll(async () => (await prompts(f)).length).toBe(4);

  const { page: p } = await newPage(browser, PHONE);
  errors.push(...watchErrors(p, 'phone'));
  await p.goto('/');
  await p.getByTestId('join-code-input').tap();
  await p.keyboard.type(code);
  await p.getByTestId('join-go').tap();
  await p.getByTestId('join-submit').tap();
  await synced(p);
  await expect(p.getByTestId('list-view')).toBeVisible();

  const field = p.getByLabel('Uusi lappu tähän').first();
  await field.tap();
  await p.keyboard.type('Potilas 131052-308T odotti päivystyksessä kuusi tuntia');
  await p.locator('.list-add').first().getByRole('button', { name: 'Lisää' }).tap();

  const warning = p.getByTestId('personal-data-warning');
  await expect(warning).toBeVisible();
  await expect(warning).toContainText('Tämä näyttää henkilötunnukselta.');
  await expect(warning).toBeFocused();
  // Nothing was sent: the facilitator has no note.
  await p.waitForTimeout(300);
  expect(await notes(f)).toEqual([]);
  // The warning fits the phone's width and does not push the page sideways.
  const box = (await warning.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  const overflow = await p.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await warning.scrollIntoViewIfNeeded();
  await shot(p, 'personal-data-warning-phone');
  expect(await violations(p)).toEqual([]);

  // "Edit" brings the writer back to the text with the code selected; typing replaces it.
  await warning.getByRole('button', { name: 'Muokkaa' }).tap();
  await expect(warning).toBeHidden();
  await expect(field).toBeFocused();
  expect(
    await field.evaluate((el: HTMLTextAreaElement) =>
      el.value.slice(el.selectionStart, el.selectionEnd),
    ),
  ).toBe('131052-308T');
  await p.keyboard.type('(tunniste poistettu)');
  await p.locator('.list-add').first().getByRole('button', { name: 'Lisää' }).tap();
  await expect(warning).toBeHidden();
  await expect
    .poll(async () => (await notes(f)).map((n) => n.text))
    .toEqual(['Potilas (tunniste poistettu) odotti päivystyksessä kuusi tuntia']);
  await shot(p, 'personal-data-sent-phone');

  // Sent anyway: the facilitator sees the note flagged by kind, and nobody is named.
  await field.tap();
  await p.keyboard.type('Lisätietoja antaa 040 123 4567');
  await p.locator('.list-add').first().getByRole('button', { name: 'Lisää' }).tap();
  await expect(warning).toContainText('Tämä näyttää puhelinnumerolta.');
  await warning.getByRole('button', { name: 'Lähetä silti' }).tap();
  await expect.poll(async () => (await notes(f)).length).toBe(2);
  await f.getByTestId('toggle-list').click();
  const flag = f.getByTestId('personal-data-flag');
  await expect(flag).toHaveCount(1);
  await expect(flag).toHaveText('Voi sisältää henkilötietoja: puhelinnumero');
  await expect(
    f
      .getByTestId('list-note')
      .filter({ hasText: 'Lisätietoja antaa' })
      .getByTestId('personal-data-flag'),
  ).toBeVisible();
  await shot(f, 'personal-data-flag-facilitator-desktop');
  // The participant's own page carries no flag.
  await expect(p.getByTestId('personal-data-flag')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('on the canvas, a note with a phone number can still be sent on purpose', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP, 'en');
  const errors = watchErrors(f, 'facilitator');
  await createBoard(f, 'Team day', 'retro');
  const toggle = f.getByTestId('toggle-list');
  if ((await toggle.getAttribute('aria-pressed')) === 'true') await toggle.click();

  await f.getByTestId('add-note').click();
  await f.getByTestId('note-editor').fill('Ideas to the project office: call 040 123 4567');
  await f.getByTestId('note-save').click();
  const warning = f.getByTestId('personal-data-warning');
  await expect(warning).toContainText('This looks like a phone number.');
  await shot(f, 'personal-data-warning-desktop');
  // The new note is still empty on the board while the warning is open.
  expect((await notes(f)).map((n) => n.text)).toEqual(['']);

  await warning.getByRole('button', { name: 'Send anyway' }).click();
  await expect
    .poll(async () => (await notes(f)).map((n) => n.text))
    .toEqual(['Ideas to the project office: call 040 123 4567']);
  await expect(f.getByTestId('note-editor')).toBeHidden();
  expect(errors).toEqual([]);
});

test('on a phone, the canvas editor shows the warning within the screen', async ({ browser }) => {
  const { page: f } = await newPage(browser, DESKTOP, 'sv');
  const errors = watchErrors(f, 'facilitator');
  const code = await createBoard(f, 'Utvecklingsdag', 'retro');
  const { page: p } = await newPage(browser, PHONE, 'sv');
  errors.push(...watchErrors(p, 'phone'));
  await p.goto('/');
  await p.getByTestId('join-code-input').tap();
  await p.keyboard.type(code);
  await p.getByTestId('join-go').tap();
  await p.getByTestId('join-submit').tap();
  await synced(p);
  await p.getByTestId('toggle-list').tap();
  await p.getByTestId('add-note').tap();
  await p.getByTestId('note-editor').fill('Skicka till maija.meikalainen@example.fi');
  await p.getByTestId('note-save').tap();
  const warning = p.getByTestId('personal-data-warning');
  await expect(warning).toContainText('Det här ser ut som en e-postadress.');
  const box = (await warning.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  expect(box.y + box.height).toBeLessThanOrEqual(844);
  await shot(p, 'personal-data-warning-phone-canvas');
  await warning.getByRole('button', { name: 'Redigera' }).tap();
  await p.getByTestId('note-editor').fill('Skicka till projektets adress');
  await p.getByTestId('note-save').tap();
  await expect
    .poll(async () => (await notes(f)).map((n) => n.text))
    .toEqual(['Skicka till projektets adress']);
  expect(errors).toEqual([]);
});
