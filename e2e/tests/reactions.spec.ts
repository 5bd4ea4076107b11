import { expect, test } from '@playwright/test';
import { addNote, createBoard, DESKTOP, joinByCode, newPage, watchErrors } from './helpers.js';

test('a participant sees which reactions are theirs, after a reload too; another participant sees only the count', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const errors = watchErrors(f, 'facilitator');
  const code = await createBoard(f, 'Reaktiot', 'blank');
  await addNote(f, 'Kiitos tiimille');

  const { page: me } = await newPage(browser, DESKTOP);
  const { page: other } = await newPage(browser, DESKTOP);
  errors.push(...watchErrors(me, 'me'), ...watchErrors(other, 'other'));
  for (const p of [me, other]) {
    await joinByCode(p, code);
    await p.getByTestId('toggle-list').click();
  }

  const heart = (p: typeof me, count: number) =>
    p.getByRole('button', { name: `Sydän: ${count}`, exact: true });
  await heart(me, 0).click();
  await expect(heart(me, 1)).toHaveAttribute('aria-pressed', 'true');
  await expect(heart(other, 1)).toHaveAttribute('aria-pressed', 'false');

  await me.reload();
  await me.getByTestId('toggle-list').click();
  await expect(heart(me, 1)).toHaveAttribute('aria-pressed', 'true');
  await heart(me, 1).click();
  await expect(heart(me, 0)).toHaveAttribute('aria-pressed', 'false');
  expect(errors).toEqual([]);
});
