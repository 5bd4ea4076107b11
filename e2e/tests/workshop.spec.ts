import { expect, test } from '@playwright/test';
import {
  addNote,
  DESKTOP,
  joinByCode,
  newPage,
  notes,
  onScreen,
  PHONE,
  prompts,
  shot,
  synced,
  visiblePointOf,
  watchErrors,
} from './helpers.js';

test('a trust-workbook session: projector, three participants, a timer and a 3-dot vote with results on the projector', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const errors = watchErrors(f, 'facilitator');
  await f.goto('/');
  await f.getByTestId('create-title').fill('Luottamuksen työpaja');
  await f.getByTestId('create-template').selectOption('trust');
  await f.getByTestId('create-submit').click();
  const code = (await f.getByTestId('join-code').textContent())!.replace(/\s/g, '');
  const projectorLink = await f.getByTestId('link-projector').inputValue();
  await f.getByTestId('open-facilitator').click();
  await synced(f);
  expect((await prompts(f)).map((p) => p.title).sort()).toEqual(
    [
      'Arvostava kohtaaminen',
      'Esihenkilön rooli luottamuksen rakentajana',
      'Psykologisen turvallisuuden vahvistaminen',
    ].sort(),
  );

  const { page: projector } = await newPage(browser, { viewport: { width: 1920, height: 1080 } });
  errors.push(...watchErrors(projector, 'projector'));
  await projector.goto(projectorLink);
  await synced(projector);
  await expect(projector.getByTestId('projector-qr')).toBeVisible();

  const people = [];
  for (let i = 0; i < 3; i++) {
    const { page } = await newPage(browser, i === 0 ? PHONE : DESKTOP);
    errors.push(...watchErrors(page, `participant ${i + 1}`));
    await joinByCode(page, code);
    people.push(page);
  }
  const texts = ['Esihenkilö kysyy kuulumisia', 'Virheistä saa puhua', 'Kiitos kuuluu kaikille'];
  for (const [i, page] of people.entries()) await addNote(page, texts[i]!);
  await expect.poll(async () => (await notes(projector)).length).toBe(3);
  await expect(projector.getByTestId('participant-count')).toContainText('3');

  // A one-minute timer, on everyone's screen.
  await f.getByTestId('timer-minutes').fill('1');
  await f.getByTestId('timer-set').click();
  await f.getByTestId('timer-start').click();
  await expect(projector.getByTestId('timer')).toHaveText(/^0:5\d|^1:00$/);
  await expect(people[0]!.getByTestId('timer')).toHaveText(/^0:5\d|^1:00$/);

  // A 3-dot vote: everyone gives their dots to the first two notes.
  await f.getByTestId('vote-dots').fill('3');
  await f.getByTestId('vote-start').click();
  await expect(people[0]!.getByTestId('vote-banner')).toBeVisible();
  const all = await notes(people[0]!);
  const byText = (t: string) => all.find((n) => n.text === t)!.id;
  const plan: [number, string, number][] = [
    [0, texts[0]!, 1],
    [0, texts[1]!, 1],
    [0, texts[2]!, 1],
    [1, texts[0]!, 1],
    [1, texts[1]!, 1],
    [2, texts[0]!, 1],
  ];
  // Everyone looks at the whole board, so every note is on screen.
  for (const page of people) await page.getByTestId('zoom-fit').click();
  for (const [who, text] of plan) {
    const page = people[who]!;
    const at = await onScreen(page, await visiblePointOf(page, byText(text)));
    await page.mouse.click(at.x, at.y);
    await page.getByTestId('vote-add').click();
    await page.getByTestId('actions-close').click();
  }
  // The budget holds: a fourth dot is refused by the interface and by the server.
  const at = await onScreen(people[0]!, await visiblePointOf(people[0]!, byText(texts[1]!)));
  await people[0]!.mouse.click(at.x, at.y);
  await expect(people[0]!.getByTestId('vote-add')).toBeDisabled();
  await shot(people[0]!, 'workshop-participant-phone');
  await people[0]!.getByTestId('actions-close').click();

  await f.getByTestId('vote-end').click();
  await expect
    .poll(async () =>
      projector.evaluate(() =>
        (window as unknown as { __pajataulu: { top(): string[] } }).__pajataulu.top(),
      ),
    )
    .toEqual([byText(texts[0]!), byText(texts[1]!), byText(texts[2]!)]);
  const totals = Object.fromEntries(
    (await notes(projector)).map((n) => [
      n.text,
      Object.values((n as unknown as { votes: Record<string, number> }).votes)[0] ?? 0,
    ]),
  );
  expect(totals).toEqual({ [texts[0]!]: 3, [texts[1]!]: 2, [texts[2]!]: 1 });
  await expect(projector.getByTestId('timer')).toBeVisible();
  await shot(projector, 'workshop-projector-1920');
  expect(errors).toEqual([]);
});
