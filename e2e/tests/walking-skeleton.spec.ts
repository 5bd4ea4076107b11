import { expect, test } from '@playwright/test';
import {
  addNote,
  createBoard,
  DESKTOP,
  joinByCode,
  newPage,
  notes,
  onScreen,
  PHONE,
  prompts,
  shot,
  synced,
  watchErrors,
} from './helpers.js';

/** The facilitator must see each change within this long. */
const LIVE_MS = 1_000;

test('a facilitator creates a board with two prompts; a phone participant joins, writes, edits and drags a note; both see it live and after a reload', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const { page: p } = await newPage(browser, PHONE);
  const errors = [...watchErrors(f, 'facilitator'), ...watchErrors(p, 'participant')];

  const code = await createBoard(f, 'Kehittämispäivä');
  for (const title of ['Mikä toimii?', 'Mitä muuttaisimme?']) {
    await f.getByTestId('add-prompt').click();
    await f.getByTestId('prompt-title').fill(title);
    await f.getByTestId('prompt-save').click();
  }
  const titles = async (page: typeof f) => (await prompts(page)).map((x) => x.title).sort();
  await expect.poll(() => titles(f)).toEqual(['Mikä toimii?', 'Mitä muuttaisimme?']);

  await joinByCode(p, code);
  await expect.poll(async () => (await prompts(p)).length).toBe(2);
  await expect(f.getByTestId('participant-count')).toContainText('1');

  // Write a note.
  const id = await addNote(p, 'Tiimipalaverit toimivat');
  await expect
    .poll(async () => (await notes(f)).find((n) => n.id === id)?.text, { timeout: LIVE_MS })
    .toBe('Tiimipalaverit toimivat');

  // Edit it: double-tap opens the editor.
  let note = (await notes(p)).find((n) => n.id === id)!;
  let at = await onScreen(p, { x: note.x + 80, y: note.y + 80 });
  await p.mouse.dblclick(at.x, at.y);
  await p.getByTestId('note-editor').fill('Tiimipalaverit toimivat, kun kaikki pääsevät ääneen');
  await p.getByTestId('note-save').click();
  await expect
    .poll(async () => (await notes(f)).find((n) => n.id === id)?.text, { timeout: LIVE_MS })
    .toBe('Tiimipalaverit toimivat, kun kaikki pääsevät ääneen');

  // Drag it into the second prompt.
  const target = (await prompts(p)).find((x) => x.title === 'Mitä muuttaisimme?')!;
  note = (await notes(p)).find((n) => n.id === id)!;
  at = await onScreen(p, { x: note.x + 80, y: note.y + 80 });
  const to = await onScreen(p, { x: target.x + target.w / 2, y: target.y + target.h / 2 });
  await p.mouse.move(at.x, at.y);
  await p.mouse.down();
  await p.mouse.move((at.x + to.x) / 2, (at.y + to.y) / 2, { steps: 5 });
  await p.mouse.move(to.x, to.y, { steps: 5 });
  await p.mouse.up();
  await expect
    .poll(async () => (await notes(f)).find((n) => n.id === id)?.promptId, { timeout: LIVE_MS })
    .toBe(target.id);

  await shot(f, 'skeleton-facilitator');
  await shot(p, 'skeleton-participant-phone');

  // Both reload: everything is still there, and the note is still the participant's.
  await Promise.all([f.reload(), p.reload()]);
  await Promise.all([synced(f), synced(p)]);
  for (const page of [f, p]) {
    expect(await titles(page)).toEqual(['Mikä toimii?', 'Mitä muuttaisimme?']);
    expect((await notes(page)).map((n) => [n.text, n.promptId])).toEqual([
      ['Tiimipalaverit toimivat, kun kaikki pääsevät ääneen', target.id],
    ]);
  }
  await shot(f, 'skeleton-facilitator-reloaded');
  await shot(p, 'skeleton-participant-phone-reloaded');
  expect(errors).toEqual([]);
});
