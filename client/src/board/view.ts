/** The viewport: how canvas coordinates map to the screen. Pure functions. */
import { NOTE_SIZE, type Prompt } from '@pajataulu/shared';

/** screen = world × scale + (x, y) */
export interface View {
  x: number;
  y: number;
  scale: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 4;
/** Zoom step of the buttons and of one wheel notch. */
export const ZOOM_STEP = 1.2;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const clampScale = (s: number) => Math.max(MIN_SCALE, Math.min(MAX_SCALE, s));

/** Zooms by `factor`, keeping the world point under `at` (screen coordinates) in place. */
export function zoomAt(view: View, factor: number, at: { x: number; y: number }): View {
  const scale = clampScale(view.scale * factor);
  const wx = (at.x - view.x) / view.scale;
  const wy = (at.y - view.y) / view.scale;
  return { scale, x: at.x - wx * scale, y: at.y - wy * scale };
}

export function toWorld(view: View, p: { x: number; y: number }): { x: number; y: number } {
  return { x: (p.x - view.x) / view.scale, y: (p.y - view.y) / view.scale };
}

export function toScreen(view: View, p: { x: number; y: number }): { x: number; y: number } {
  return { x: p.x * view.scale + view.x, y: p.y * view.scale + view.y };
}

/** The view that shows `bounds` whole in a `width` × `height` area, with a margin. */
export function fit(
  bounds: Rect | null,
  width: number,
  height: number,
  margin = 40,
  maxScale = 1.5,
): View {
  if (!bounds || width <= 0 || height <= 0) return { x: width / 2, y: height / 2, scale: 1 };
  const scale = clampScale(
    Math.min(
      (width - 2 * margin) / Math.max(bounds.w, 1),
      (height - 2 * margin) / Math.max(bounds.h, 1),
      maxScale,
    ),
  );
  return {
    scale,
    x: width / 2 - (bounds.x + bounds.w / 2) * scale,
    y: height / 2 - (bounds.y + bounds.h / 2) * scale,
  };
}

/** The box around every prompt and note, or null for an empty board. */
export function contentBounds(
  prompts: readonly Prompt[],
  notes: readonly { x: number; y: number }[],
): Rect | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of prompts) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x + p.w);
    y1 = Math.max(y1, p.y + p.h);
  }
  for (const n of notes) {
    x0 = Math.min(x0, n.x);
    y0 = Math.min(y0, n.y);
    x1 = Math.max(x1, n.x + NOTE_SIZE);
    y1 = Math.max(y1, n.y + NOTE_SIZE);
  }
  return Number.isFinite(x0) ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null;
}

/** The world rectangle visible on a `width` × `height` screen. */
export function visibleWorld(view: View, width: number, height: number): Rect {
  const a = toWorld(view, { x: 0, y: 0 });
  return { x: a.x, y: a.y, w: width / view.scale, h: height / view.scale };
}

/**
 * A free place for a new note near `center`: the nearest cell, on rings of a grid around it, that
 * overlaps no existing note. Keeps notes added at the same time from piling up.
 */
export function freeSpot(
  notes: readonly { x: number; y: number }[],
  center: { x: number; y: number },
): { x: number; y: number } {
  const step = NOTE_SIZE + 16;
  const origin = {
    x: Math.round(center.x - NOTE_SIZE / 2),
    y: Math.round(center.y - NOTE_SIZE / 2),
  };
  const free = (p: { x: number; y: number }) =>
    !notes.some((n) => Math.abs(n.x - p.x) < NOTE_SIZE && Math.abs(n.y - p.y) < NOTE_SIZE);
  for (let ring = 0; ring <= FREE_SPOT_RINGS; ring++) {
    for (let dy = -ring; dy <= ring; dy++) {
      for (let dx = -ring; dx <= ring; dx++) {
        if (Math.max(Math.abs(dx), Math.abs(dy)) !== ring) continue;
        const p = { x: origin.x + dx * step, y: origin.y + dy * step };
        if (free(p)) return p;
      }
    }
  }
  return origin;
}

/** How far from the centre a free place is looked for, in grid rings. */
export const FREE_SPOT_RINGS = 8;

export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}
