import { expect, test } from '@playwright/test';
import { createBoard, DESKTOP, newPage, notes, shot, synced, watchErrors } from './helpers.js';

const SMALL_PHONE = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true };

for (const lang of ['fi', 'sv'] as const) {
  test(`a 360×640 phone joins with the code, writes a note with one thumb, and the facilitator sees it (${lang})`, async ({
    browser,
  }) => {
    const { page: f } = await newPage(browser, DESKTOP, lang);
    const errors = watchErrors(f, 'facilitator');
    const code = await createBoard(
      f,
      lang === 'fi' ? 'Kehittämispäivä' : 'Utvecklingsdag',
      'retro',
    );

    const { page: p } = await newPage(browser, SMALL_PHONE, lang);
    errors.push(...watchErrors(p, 'phone'));
    await p.goto('/');
    await shot(p, `phone-360-landing-${lang}`);
    await p.getByTestId('join-code-input').tap();
    await p.keyboard.type(code);
    await p.getByTestId('join-go').tap();
    await p.getByTestId('join-submit').tap();
    await synced(p);
    // The list is the phone's default view; nothing scrolls sideways.
    await expect(p.getByTestId('list-view')).toBeVisible();
    const overflow = await p.evaluate(
      () =>
        document.querySelector('.list-view')!.scrollWidth -
        document.querySelector('.list-view')!.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    const field = p.locator('.list-add textarea').first();
    await field.tap();
    await p.keyboard.type(lang === 'fi' ? 'Palaverit ajallaan' : 'Mötena börjar i tid');
    await p.locator('.list-add button').first().tap();
    await expect.poll(async () => (await notes(f)).length).toBe(1);
    await shot(p, `phone-360-list-${lang}`);
    await p.getByTestId('toggle-list').tap();
    await shot(p, `phone-360-canvas-${lang}`);
    await shot(f, `desktop-1280-facilitator-${lang}`);
    expect(errors).toEqual([]);
  });
}
