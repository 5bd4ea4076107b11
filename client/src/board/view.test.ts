import { describe, expect, it } from 'vitest';
import { contentBounds, fit, toScreen, toWorld, zoomAt } from './view.js';

describe('the viewport', () => {
  it('zooming keeps the point under the pointer in place', () => {
    const v = { x: 30, y: -20, scale: 0.8 };
    const at = { x: 400, y: 300 };
    const before = toWorld(v, at);
    const after = toWorld(zoomAt(v, 1.7, at), at);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
  });
  it('fit shows the whole content, centred', () => {
    const b = contentBounds(
      [
        {
          id: 'p',
          title: '',
          x: 0,
          y: 0,
          w: 1000,
          h: 500,
          createdAt: 0,
          locked: false,
          privateWriting: false,
          waiting: 0,
          description: '',
          station: null,
        },
      ],
      [],
    );
    const v = fit(b, 800, 600, 0);
    expect(toScreen(v, { x: 0, y: 250 }).x).toBeCloseTo(0);
    expect(toScreen(v, { x: 1000, y: 250 }).x).toBeCloseTo(800);
    expect(toScreen(v, { x: 500, y: 250 }).y).toBeCloseTo(300);
  });
});
