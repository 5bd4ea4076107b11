import { expect, test, type Page } from '@playwright/test';
import {
  addNote,
  createBoard,
  DESKTOP,
  joinByCode,
  newPage,
  notes,
  onScreen,
  PHONE,
  shot,
  visiblePointOf,
  watchErrors,
} from './helpers.js';

test('private writing: three participants see only their own notes until the reveal; a removed participant can no longer write', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const errors = watchErrors(f, 'facilitator');
  const code = await createBoard(f, 'Psykologinen turvallisuus');
  await f.getByTestId('toggle-private').click();

  const people: Page[] = [];
  for (const [i, group] of (['g1', 'g2', 'g3'] as const).entries()) {
    const { page } = await newPage(browser, i === 0 ? PHONE : DESKTOP);
    errors.push(...watchErrors(page, `participant ${i + 1}`));
    await joinByCode(page, code, group);
    people.push(page);
  }
  await expect(people[0]!.getByText(/Yksityinen kirjoitus/)).toBeVisible();

  const texts = [
    'Työmäärä on liian suuri',
    'Haluan enemmän palautetta',
    'Johto voisi näkyä arjessa',
  ];
  for (const [i, page] of people.entries()) await addNote(page, texts[i]!);

  // Before the reveal: each sees only their own, as private; the facilitator sees only a count.
  for (const [i, page] of people.entries()) {
    await expect
      .poll(async () => (await notes(page)).map((n) => [n.text, n.offstage]))
      .toEqual([[texts[i], 'private']]);
  }
  await expect(f.getByTestId('waiting-count')).toContainText('3');
  expect(await notes(f)).toEqual([]);
  await shot(people[0]!, 'private-participant-phone');
  await shot(f, 'private-facilitator-before-reveal');

  await f.getByTestId('reveal').click();
  for (const page of [f, ...people]) {
    await expect
      .poll(async () => (await notes(page)).map((n) => n.text).sort())
      .toEqual([...texts].sort());
  }
  await shot(f, 'private-facilitator-after-reveal');

  // The facilitator removes the author of one note, without learning who it is.
  // Notes written privately may have landed on the same spot; the one drawn on top is picked.
  const victim = (await notes(f)).at(-1)!;
  const victimIndex = texts.indexOf(victim.text);
  const at = await onScreen(f, await visiblePointOf(f, victim.id));
  f.once('dialog', (d) => void d.accept());
  await f.mouse.dblclick(at.x, at.y);
  await f.getByRole('button', { name: 'Poista kirjoittaja taululta' }).click();
  const removed = people[victimIndex]!;
  const stayer = people[(victimIndex + 1) % people.length]!;
  await expect(removed.getByTestId('refused')).toBeVisible();
  await shot(removed, 'removed-participant');
  // Coming back with the same browser does not get them in again.
  await removed.goto(`/b/${code}`);
  await expect(removed.getByTestId('join-submit').or(removed.getByTestId('refused'))).toBeVisible();
  // The others carry on; private writing is still on, so the new note waits for the next reveal.
  await addNote(stayer, 'Kiitos keskustelusta');
  await expect(f.getByTestId('waiting-count')).toContainText('1');
  await f.getByTestId('toggle-private').click();
  await expect.poll(async () => (await notes(stayer)).length).toBe(4);
  expect(errors).toEqual([]);
});
