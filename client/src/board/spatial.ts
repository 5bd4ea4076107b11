/**
 * A uniform grid over the canvas: which items overlap a rectangle, without looking at every item.
 * Built once per board change; queried on every pan and zoom.
 */
import type { Rect } from './view.js';

/** Side of a grid cell in canvas units: a few notes wide, so a screenful touches few cells. */
export const GRID_CELL = 1_024;
/** A query covering more cells than this walks the items instead (zoomed far out). */
const MAX_CELLS_PER_QUERY = 4_096;

export interface Placed {
  x: number;
  y: number;
}

export class GridIndex<T extends Placed> {
  private readonly cells = new Map<string, number[]>();

  /**
   * @param items in drawing order; queries return them in the same order.
   * @param size each item's width and height.
   */
  constructor(
    private readonly items: readonly T[],
    private readonly size: (item: T) => { w: number; h: number },
  ) {
    items.forEach((item, i) => {
      const { w, h } = size(item);
      const x0 = Math.floor(item.x / GRID_CELL);
      const y0 = Math.floor(item.y / GRID_CELL);
      const x1 = Math.floor((item.x + w) / GRID_CELL);
      const y1 = Math.floor((item.y + h) / GRID_CELL);
      for (let cx = x0; cx <= x1; cx++)
        for (let cy = y0; cy <= y1; cy++) {
          const key = `${cx},${cy}`;
          const cell = this.cells.get(key);
          if (cell) cell.push(i);
          else this.cells.set(key, [i]);
        }
    });
  }

  /** The items overlapping `area`, in drawing order. */
  query(area: Rect): T[] {
    const x0 = Math.floor(area.x / GRID_CELL);
    const y0 = Math.floor(area.y / GRID_CELL);
    const x1 = Math.floor((area.x + area.w) / GRID_CELL);
    const y1 = Math.floor((area.y + area.h) / GRID_CELL);
    const overlaps = (item: T) => {
      const { w, h } = this.size(item);
      return (
        item.x < area.x + area.w &&
        item.x + w > area.x &&
        item.y < area.y + area.h &&
        item.y + h > area.y
      );
    };
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > Math.max(MAX_CELLS_PER_QUERY, this.cells.size))
      return this.items.filter(overlaps);
    const found = new Set<number>();
    for (let cx = x0; cx <= x1; cx++)
      for (let cy = y0; cy <= y1; cy++)
        for (const i of this.cells.get(`${cx},${cy}`) ?? []) found.add(i);
    return [...found]
      .sort((a, b) => a - b)
      .map((i) => this.items[i]!)
      .filter(overlaps);
  }
}
