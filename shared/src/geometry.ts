/** Pure geometry of the board: which prompt holds a point. */
import { NOTE_SIZE } from './limits.js';
import type { Prompt } from './board.js';

export interface Point {
  x: number;
  y: number;
}

/** Whether a point lies inside a prompt's area (edges included). */
export function promptContains(p: Prompt, pt: Point): boolean {
  return pt.x >= p.x && pt.x <= p.x + p.w && pt.y >= p.y && pt.y <= p.y + p.h;
}

/** The centre of a note whose top-left corner is at (x, y). */
export function noteCenter(x: number, y: number): Point {
  return { x: x + NOTE_SIZE / 2, y: y + NOTE_SIZE / 2 };
}

/**
 * The prompt that holds a point: of those containing it, the most recently created one (it is
 * drawn on top), or null when none does.
 */
export function promptAt(prompts: readonly Prompt[], pt: Point): string | null {
  let best: Prompt | undefined;
  for (const p of prompts) {
    if (!promptContains(p, pt)) continue;
    if (!best || p.createdAt > best.createdAt || (p.createdAt === best.createdAt && p.id > best.id))
      best = p;
  }
  return best ? best.id : null;
}
