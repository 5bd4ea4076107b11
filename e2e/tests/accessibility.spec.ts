import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, test, type Page } from '@playwright/test';
import { addNote, DESKTOP, joinByCode, newPage, synced } from './helpers.js';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Serious and critical WCAG 2.1 A/AA violations on the page, as "rule: element" lines. */
async function violations(page: Page): Promise<string[]> {
  // Evaluated by the test driver: the app's Content-Security-Policy rightly refuses inline scripts.
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(ctx: Document, opts: object): Promise<{ violations: Violation[] }> };
      }
    ).axe;
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations;
  });
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.help}): ${n.target.join(' ')}`));
}

for (const lang of ['fi', 'sv', 'en'] as const) {
  test(`no serious or critical accessibility violations on the main pages (${lang})`, async ({
    browser,
  }) => {
    const { page: f } = await newPage(browser, DESKTOP, lang);
    await f.goto('/saavutettavuus');
    await expect(f.getByRole('heading', { level: 1 })).toBeVisible();
    expect(await violations(f), 'accessibility statement').toEqual([]);
    await f.goto('/');
    expect(await violations(f), 'landing').toEqual([]);
    await f.getByTestId('create-title').fill('Saavutettavuus');
    await f.getByTestId('create-template').selectOption('trust');
    await f.getByTestId('create-submit').click();
    const code = (await f.getByTestId('join-code').textContent())!.replace(/\s/g, '');
    const projectorLink = await f.getByTestId('link-projector').inputValue();
    expect(await violations(f), 'created').toEqual([]);
    await f.getByTestId('open-facilitator').click();
    await synced(f);
    expect(await violations(f), 'facilitator panel').toEqual([]);

    const { page: p } = await newPage(browser, DESKTOP, lang);
    await p.goto(`/j/${code}`);
    await p.getByTestId('join-submit').waitFor();
    expect(await violations(p), 'join page').toEqual([]);
    await joinByCode(p, code);
    await addNote(p, 'Saavutettava lappu');
    await p.getByTestId('toggle-list').click();
    await p.getByTestId('list-view').waitFor();
    expect(await violations(p), 'list view').toEqual([]);

    const { page: x } = await newPage(browser, { viewport: { width: 1920, height: 1080 } }, lang);
    await x.goto(projectorLink);
    await synced(x);
    expect(await violations(x), 'projector').toEqual([]);
  });
}
