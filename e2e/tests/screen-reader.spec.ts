import { expect, test } from '@playwright/test';
import { createBoard, DESKTOP, joinByCode, newPage, notes } from './helpers.js';

test('what a screen reader gets: a board with 3 prompts and 10 notes as headings and lists', async ({
  browser,
}) => {
  const { page: f } = await newPage(browser, DESKTOP);
  const code = await createBoard(f, 'Luottamus', 'trust');

  const { page: p } = await newPage(browser, DESKTOP);
  await joinByCode(p, code);
  await p.getByTestId('toggle-list').click();
  const plan: [number, string][] = [
    [0, 'Kysyy kuulumisia'],
    [0, 'Pitää lupaukset'],
    [0, 'Antaa tilaa'],
    [0, 'Kertoo päätösten syyt'],
    [1, 'Kuuntelee loppuun'],
    [1, 'Kiittää'],
    [1, 'Muistaa nimet'],
    [2, 'Virheistä saa puhua'],
    [2, 'Kysyä saa'],
    [2, 'Ei syyllistetä'],
  ];
  for (const [section, text] of plan) {
    const field = p.getByLabel('Uusi lappu tähän').nth(section);
    await field.fill(text);
    await field.press('Tab');
    await p.keyboard.press('Enter');
    await expect.poll(async () => (await notes(f)).some((n) => n.text === text)).toBe(true);
  }
  await expect(p.getByTestId('list-note')).toHaveCount(10);

  // The structure: a region per prompt, named by its heading, with its guiding question and a list.
  await expect(p.getByTestId('list-view')).toMatchAriaSnapshot(`
    - region "Esihenkilön rooli luottamuksen rakentajana":
      - heading "Esihenkilön rooli luottamuksen rakentajana" [level=2]
      - paragraph: Millä teoilla esihenkilö rakentaa luottamusta arjessa?
      - list
    - region "Arvostava kohtaaminen":
      - heading "Arvostava kohtaaminen" [level=2]
      - paragraph: /Milloin olet viimeksi/
      - list
    - region "Psykologisen turvallisuuden vahvistaminen":
      - heading "Psykologisen turvallisuuden vahvistaminen" [level=2]
      - paragraph: Mikä auttaisi meitä sanomaan ääneen myös vaikeat asiat?
      - list
  `);
  // Each region lists exactly its notes (in reading order on the board, so compared as sets).
  const regions = [
    'Esihenkilön rooli luottamuksen rakentajana',
    'Arvostava kohtaaminen',
    'Psykologisen turvallisuuden vahvistaminen',
  ];
  for (const [i, name] of regions.entries()) {
    const items = p.getByRole('region', { name }).getByRole('listitem');
    const texts = await items.evaluateAll((els) =>
      els.map((el) => el.querySelector('p')?.textContent ?? ''),
    );
    expect(texts.sort()).toEqual(
      plan
        .filter(([s]) => s === i)
        .map(([, t]) => t)
        .sort(),
    );
    // A note's accessible content: its text, whose it is, and its actions by name.
    await expect(items.first()).toMatchAriaSnapshot(`
      - listitem:
        - paragraph
        - paragraph: sinun
        - 'button "Sydän: 0"'
        - 'button "Taputus: 0"'
        - 'button "Hyvä idea: 0"'
        - 'button "Samaa mieltä: 0"'
        - button "Muokkaa"
        - button "Poista lappu"
        - combobox "Siirrä alueelle"
    `);
  }
  // Each of the participant's own notes offers editing by name.
  await expect(p.getByRole('button', { name: 'Muokkaa' })).toHaveCount(10);
});
