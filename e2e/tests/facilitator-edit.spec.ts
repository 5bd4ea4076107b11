import { expect, test } from '@playwright/test';
import {
  addNote,
  DESKTOP,
  joinByCode,
  newPage,
  notes,
  onScreen,
  PHONE,
  shot,
  synced,
  visiblePointOf,
  watchErrors,
} from './helpers.js';

test('a facilitator’s edit of a participant’s note is marked for everyone, and its author is told', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const errors = watchErrors(f, 'facilitator');
  await f.goto('/');
  await f.getByTestId('create-title').fill('Palaute');
  await f.getByTestId('create-submit').click();
  const code = (await f.getByTestId('join-code').textContent())!.replace(/\s/g, '');
  const projectorLink = await f.getByTestId('link-projector').inputValue();
  await f.getByTestId('open-facilitator').click();
  await synced(f);

  const { page: author } = await newPage(browser, PHONE);
  errors.push(...watchErrors(author, 'author'));
  await joinByCode(author, code);
  const { page: other } = await newPage(browser, DESKTOP);
  errors.push(...watchErrors(other, 'other participant'));
  await joinByCode(other, code);

  const id = await addNote(author, 'Esihenkilö ei kuuntele');
  // The author's own edit leaves no mark.
  await expect
    .poll(async () => (await notes(other)).map((n) => n.text))
    .toEqual(['Esihenkilö ei kuuntele']);
  expect((await notes(other))[0]).toMatchObject({ editedByFacilitator: false });

  // The facilitator rewrites it on the canvas.
  await expect.poll(async () => (await notes(f)).length).toBe(1);
  const at = await onScreen(f, await visiblePointOf(f, id));
  await f.mouse.dblclick(at.x, at.y);
  await f.getByTestId('note-editor').fill('Toivon, että minua kuunnellaan');
  await f.getByTestId('note-save').click();

  for (const page of [other, author, f]) {
    await expect
      .poll(async () => (await notes(page)).map((n) => [n.text, n.editedByFacilitator]))
      .toEqual([['Toivon, että minua kuunnellaan', true]]);
  }
  await shot(other, 'facilitator-edit-other-desktop');
  // The projector draws the same mark.
  const { page: projector } = await newPage(browser, { viewport: { width: 1920, height: 1080 } });
  errors.push(...watchErrors(projector, 'projector'));
  await projector.goto(projectorLink);
  await synced(projector);
  await expect
    .poll(async () => (await notes(projector)).map((n) => n.editedByFacilitator))
    .toEqual([true]);
  await shot(projector, 'facilitator-edit-projector');
  await shot(author, 'facilitator-edit-author-phone-canvas');

  // In the list view: everyone reads "muokattu"; the author reads that the facilitator changed it.
  await other.getByTestId('toggle-list').click();
  await expect(other.getByTestId('list-note').locator('.edited-mark')).toHaveText('muokattu');
  await author.getByTestId('toggle-list').click();
  await expect(author.getByTestId('list-note').locator('.edited-mark')).toHaveText(
    'muokattu – fasilitaattori muokkasi lappuasi',
  );
  await shot(author, 'facilitator-edit-author-phone-list');
  await shot(other, 'facilitator-edit-other-desktop-list');
  expect(errors).toEqual([]);
});
