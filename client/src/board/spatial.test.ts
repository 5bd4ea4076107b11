import { describe, expect, it } from 'vitest';
import { GRID_CELL, GridIndex } from './spatial.js';

const SIDE = 160;
const square = () => ({ w: SIDE, h: SIDE });

/** What a scan of every item finds: the reference the index must agree with. */
function scan<T extends { x: number; y: number }>(
  items: T[],
  a: { x: number; y: number; w: number; h: number },
) {
  return items.filter(
    (n) => n.x < a.x + a.w && n.x + SIDE > a.x && n.y < a.y + a.h && n.y + SIDE > a.y,
  );
}

describe('GridIndex', () => {
  // A seeded generator, so a failure names its case.
  let seed = 7;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const items = Array.from({ length: 3_000 }, (_, i) => ({
    id: String(i),
    x: Math.floor(rand() * 40_000) - 20_000,
    y: Math.floor(rand() * 40_000) - 20_000,
  }));
  const index = new GridIndex(items, square);

  it('finds exactly the items a full scan finds, in drawing order, for views of every size', () => {
    for (let k = 0; k < 200; k++) {
      const w = 100 + rand() * 30_000;
      const h = 100 + rand() * 30_000;
      const area = { x: rand() * 40_000 - 20_000, y: rand() * 40_000 - 20_000, w, h };
      expect(index.query(area).map((n) => n.id)).toEqual(scan(items, area).map((n) => n.id));
    }
  });

  it('finds an item that straddles cell borders from any of its cells', () => {
    const edge = [{ id: 'a', x: GRID_CELL - 10, y: GRID_CELL - 10 }];
    const i = new GridIndex(edge, square);
    expect(i.query({ x: GRID_CELL + 100, y: GRID_CELL + 100, w: 10, h: 10 })).toHaveLength(1);
    expect(i.query({ x: GRID_CELL - 20, y: GRID_CELL - 20, w: 5, h: 5 })).toHaveLength(0);
  });
});
