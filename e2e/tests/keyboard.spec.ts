import { expect, test } from '@playwright/test';
import { createBoard, DESKTOP, newPage, notes, prompts, synced, watchErrors } from './helpers.js';

test('keyboard only: join, write a note, edit it, vote, move it to another prompt — no mouse events', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const errors = watchErrors(f, 'facilitator');
  const code = await createBoard(f, 'Retro', 'retro');

  const { page: p } = await newPage(browser, DESKTOP);
  errors.push(...watchErrors(p, 'participant'));
  // No mouse: any mouse event on the page fails the test.
  await p.addInitScript(() => {
    for (const type of ['mousedown', 'mouseup', 'click', 'dblclick'] as const) {
      window.addEventListener(
        type,
        (e) => {
          if ((e as MouseEvent).detail > 0) (window as unknown as { __mouse: number }).__mouse = 1;
        },
        true,
      );
    }
  });
  await p.goto('/');
  await p.keyboard.press('Tab');
  await p.keyboard.press('Tab');
  await expect(p.getByTestId('join-code-input')).toBeFocused();
  await p.keyboard.type(code);
  await p.keyboard.press('Enter');
  await expect(p.getByTestId('join-submit')).toBeVisible();
  await p.getByTestId('join-submit').focus();
  await p.keyboard.press('Enter');
  await synced(p);
  await p.keyboard.press('l');
  await expect(p.getByTestId('list-view')).toBeVisible();

  // Write.
  await p.getByLabel('Uusi lappu tähän').first().focus();
  await p.keyboard.type('Aamupalaverit lyhyiksi');
  await p.keyboard.press('Tab');
  await p.keyboard.press('Enter');
  await expect
    .poll(async () => (await notes(f)).map((n) => n.text))
    .toEqual(['Aamupalaverit lyhyiksi']);

  // Edit.
  await p.getByRole('button', { name: 'Muokkaa' }).focus();
  await p.keyboard.press('Enter');
  await p.keyboard.press('End');
  await p.keyboard.type(' ja tiiviiksi');
  await p.keyboard.press('Tab');
  await p.keyboard.press('Tab');
  await p.keyboard.press('Enter');
  await expect
    .poll(async () => (await notes(f)).map((n) => n.text))
    .toEqual(['Aamupalaverit lyhyiksi ja tiiviiksi']);

  // Vote.
  await f.getByTestId('vote-start').click();
  await p.getByRole('button', { name: 'Anna piste' }).focus();
  await p.keyboard.press('Enter');
  await f.getByTestId('vote-end').click();
  await expect
    .poll(async () =>
      (await notes(f)).map(
        (n) => Object.values((n as unknown as { votes: Record<string, number> }).votes)[0],
      ),
    )
    .toEqual([1]);

  // Move to another prompt.
  await p.getByLabel('Siirrä alueelle').focus();
  await p.keyboard.press('End');
  const last = [...(await prompts(f))].sort((a, b) => a.y - b.y || a.x - b.x).at(-1)!;
  await expect.poll(async () => (await notes(f))[0]!.promptId).toBe(last.id);

  expect(await p.evaluate(() => (window as unknown as { __mouse?: number }).__mouse ?? 0)).toBe(0);
  expect(errors).toEqual([]);
});
