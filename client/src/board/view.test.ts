import { describe, expect, it } from 'vitest';
import { contentBounds, fit, freeSpot, toScreen, toWorld, zoomAt } from './view.js';

describe('free spots for new notes', () => {
  it('takes the centre when it is free, and the nearest free cell when not', () => {
    expect(freeSpot([], { x: 80, y: 80 })).toEqual({ x: 0, y: 0 });
    const taken = [{ x: 0, y: 0 }];
    const p = freeSpot(taken, { x: 80, y: 80 });
    expect(Math.max(Math.abs(p.x), Math.abs(p.y))).toBe(176);
    const many = Array.from(
      { length: 9 },
      (_, i) =>
        freeSpot([], { x: 0, y: 0 }) && {
          x: ((i % 3) - 1) * 176 - 80,
          y: (Math.floor(i / 3) - 1) * 176 - 80,
        },
    );
    const q = freeSpot(many, { x: 0, y: 0 });
    expect(many.some((n) => Math.abs(n.x - q.x) < 160 && Math.abs(n.y - q.y) < 160)).toBe(false);
  });
});

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
