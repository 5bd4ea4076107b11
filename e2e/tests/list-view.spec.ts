import { expect, test } from '@playwright/test';
import {
  createBoard,
  DESKTOP,
  joinByCode,
  newPage,
  notes,
  PHONE,
  prompts,
  shot,
  watchErrors,
} from './helpers.js';

test('the list view: a participant writes and moves a note with the keyboard alone; the facilitator sees it', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const errors = watchErrors(f, 'facilitator');
  const code = await createBoard(f, 'Retro', 'retro');
  await expect.poll(async () => (await prompts(f)).length).toBe(4);

  const { page: p } = await newPage(browser, PHONE);
  errors.push(...watchErrors(p, 'participant'));
  await joinByCode(p, code);
  await p.getByTestId('toggle-list').focus();
  await p.keyboard.press('Enter');
  await expect(p.getByRole('heading', { level: 2, name: 'Mikä meni hyvin' })).toBeVisible();

  // Write: focus the first section's field, type, and submit with the keyboard.
  const field = p.getByLabel('Uusi lappu tähän').first();
  await field.focus();
  await p.keyboard.type('Yhteinen aamukahvi toimi');
  await p.keyboard.press('Tab');
  await p.keyboard.press('Enter');
  await expect
    .poll(async () => (await notes(f)).map((n) => n.text))
    .toEqual(['Yhteinen aamukahvi toimi']);
  const first = (await prompts(f)).find((x) => x.title === 'Mikä meni hyvin')!;
  expect((await notes(f))[0]!.promptId).toBe(first.id);

  // Move it to another area with the select.
  const target = (await prompts(f)).find((x) => x.title === 'Ideat')!;
  await p.getByLabel('Siirrä alueelle').focus();
  await p.getByLabel('Siirrä alueelle').selectOption({ label: 'Ideat' });
  await expect.poll(async () => (await notes(f))[0]!.promptId).toBe(target.id);
  await expect(p.getByRole('region', { name: 'Ideat' }).getByTestId('list-note')).toHaveText(
    /Yhteinen aamukahvi toimi/,
  );
  await shot(p, 'list-view-phone');
  expect(errors).toEqual([]);
});
