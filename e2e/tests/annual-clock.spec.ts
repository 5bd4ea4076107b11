import { expect, test } from '@playwright/test';
import {
  createBoard,
  DESKTOP,
  joinByCode,
  newPage,
  notes,
  onScreen,
  PHONE,
  prompts,
  shot,
  watchErrors,
} from './helpers.js';

interface Wheel {
  x: number;
  y: number;
  r: number;
}

test('an annual-clock board draws the wheel; a note dropped in March’s sector belongs to March', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const errors = watchErrors(f, 'facilitator');
  const code = await createBoard(f, 'Työhyvinvoinnin vuosikello 2027', 'wheel');
  expect((await prompts(f)).map((p) => p.title)).toEqual(['Työhyvinvoinnin vuosikello']);
  await shot(f, 'annual-clock-facilitator');

  const { page: p } = await newPage(browser, PHONE);
  errors.push(...watchErrors(p, 'participant'));
  await joinByCode(p, code);
  const wheel = await p.evaluate(() =>
    (window as unknown as { __pajataulu: { wheel(): Wheel } }).__pajataulu.wheel(),
  );
  // The middle of March: a third of the way round from twelve o'clock, plus half a month.
  const angle = (2.5 * Math.PI) / 6;
  const target = {
    x: wheel.x + Math.sin(angle) * wheel.r * 0.65,
    y: wheel.y - Math.cos(angle) * wheel.r * 0.65,
  };
  const at = await onScreen(p, target);
  await p.mouse.dblclick(at.x, at.y);
  await p.getByTestId('note-editor').fill('Kevään kehityskeskustelut');
  await p.getByTestId('note-save').click();
  await expect
    .poll(async () =>
      (await notes(f)).map((n) => [n.text, (n as unknown as { month: number | null }).month]),
    )
    .toEqual([['Kevään kehityskeskustelut', 3]]);
  await shot(p, 'annual-clock-participant-phone');
  expect(errors).toEqual([]);
});
