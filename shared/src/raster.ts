/**
 * Draws a scene with Konva, tile by tile, and hands the pixels over a strip at a time. The same
 * code runs in the browser (Konva on DOM canvases) and on the server (Konva on @napi-rs/canvas);
 * the caller passes its Konva in, so this module has no platform of its own.
 */
import type KonvaNamespace from 'konva';
import type { Layer } from 'konva/lib/Layer.js';
import type { Shape } from 'konva/lib/Shape.js';
import {
  EXPORT_STRIP_BYTES,
  EXPORT_TILE_SIZE,
  MAX_EXPORT_PIXELS,
  MAX_EXPORT_SCALE,
  MAX_EXPORT_SIDE,
  MIN_EXPORT_SCALE,
} from './limits.js';
import { boxesMeet, EXPORT_FONT_FAMILY, type Box, type Scene, type SceneItem } from './scene.js';

type Konva = typeof KonvaNamespace;

/** The export cannot be drawn at the asked scale; `maxScale` is the largest that fits (0 if none). */
export class ExportTooLargeError extends Error {
  readonly code = 'export_too_large';
  constructor(
    readonly width: number,
    readonly height: number,
    readonly maxScale: number,
  ) {
    super(
      `the image would be ${width} × ${height} pixels, over the limit of ${MAX_EXPORT_PIXELS} pixels` +
        ` (${MAX_EXPORT_SIDE} a side); the largest scale that fits is ${maxScale}`,
    );
    this.name = 'ExportTooLargeError';
  }
}

/** The scale is not a number within the bounds. */
export class ExportScaleError extends Error {
  readonly code = 'invalid_scale';
  constructor(scale: unknown) {
    super(
      `scale must be a number from ${MIN_EXPORT_SCALE} to ${MAX_EXPORT_SCALE}, not ${String(scale)}`,
    );
    this.name = 'ExportScaleError';
  }
}

/** The largest scale (two decimals, rounded down) at which the scene fits the limits. */
export function maxExportScale(scene: { width: number; height: number }): number {
  const byArea = Math.sqrt(MAX_EXPORT_PIXELS / (scene.width * scene.height));
  const bySide = MAX_EXPORT_SIDE / Math.max(scene.width, scene.height);
  const fits = Math.min(MAX_EXPORT_SCALE, Math.floor(Math.min(byArea, bySide) * 100) / 100);
  return fits >= MIN_EXPORT_SCALE ? fits : 0;
}

/** How far an item may paint outside its box: half its stroke, plus a pixel of anti-aliasing. */
function reach(item: SceneItem, scale: number): number {
  const stroke = 'strokeWidth' in item ? (item.strokeWidth ?? 0) : 0;
  return stroke / 2 + 1 / scale;
}

function grown(box: Box, by: number): Box {
  return { x: box.x - by, y: box.y - by, w: box.w + 2 * by, h: box.h + 2 * by };
}

/** The image size at `scale`; throws ExportScaleError or ExportTooLargeError. */
export function exportSize(scene: Scene, scale: number): { width: number; height: number } {
  if (!Number.isFinite(scale) || scale < MIN_EXPORT_SCALE || scale > MAX_EXPORT_SCALE)
    throw new ExportScaleError(scale);
  const width = Math.ceil(scene.width * scale);
  const height = Math.ceil(scene.height * scale);
  if (width * height > MAX_EXPORT_PIXELS || Math.max(width, height) > MAX_EXPORT_SIDE)
    throw new ExportTooLargeError(width, height, maxExportScale(scene));
  return { width, height };
}

/** One Konva shape for a scene item. */
export function itemShape(K: Konva, item: SceneItem): Shape {
  const { box } = item;
  switch (item.kind) {
    case 'rect':
      return new K.Rect({
        x: box.x,
        y: box.y,
        width: box.w,
        height: box.h,
        fill: item.fill,
        stroke: item.stroke,
        strokeWidth: item.strokeWidth ?? 0,
        cornerRadius: item.radius ?? 0,
        listening: false,
        perfectDrawEnabled: false,
      });
    case 'text':
      return new K.Text({
        x: box.x,
        y: box.y,
        width: box.w,
        height: box.h,
        text: item.text,
        fontSize: item.size,
        fontFamily: EXPORT_FONT_FAMILY,
        fontStyle:
          [item.italic ? 'italic' : '', item.bold ? 'bold' : ''].join(' ').trim() || 'normal',
        fill: item.fill,
        align: item.align ?? 'left',
        wrap: item.wrap,
        lineHeight: item.lineHeight ?? 1,
        ellipsis: true,
        listening: false,
        perfectDrawEnabled: false,
      });
    case 'circle':
      return new K.Circle({
        x: item.cx,
        y: item.cy,
        radius: item.r,
        fill: item.fill,
        stroke: item.stroke,
        strokeWidth: item.strokeWidth ?? 0,
        listening: false,
        perfectDrawEnabled: false,
      });
    case 'sector':
      return new K.Arc({
        x: item.cx,
        y: item.cy,
        innerRadius: item.inner,
        outerRadius: item.outer,
        angle: item.angle,
        rotation: item.rotation,
        fill: item.fill,
        stroke: item.stroke,
        strokeWidth: item.strokeWidth,
        listening: false,
        perfectDrawEnabled: false,
      });
  }
}

/**
 * Draws one area of the scene (in scene units) at `scale` into the layer, which must be the
 * area's size in pixels at pixel ratio 1. Only the items that reach into the area are built.
 */
export function drawArea(K: Konva, layer: Layer, scene: Scene, area: Box, scale: number): void {
  layer.destroyChildren();
  layer.add(
    new K.Rect({
      x: area.x,
      y: area.y,
      width: area.w,
      height: area.h,
      fill: scene.background,
      listening: false,
    }),
  );
  for (const item of scene.items)
    if (boxesMeet(grown(item.box, reach(item, scale)), area)) layer.add(itemShape(K, item));
  layer.scale({ x: scale, y: scale });
  layer.position({ x: -area.x * scale, y: -area.y * scale });
  layer.draw();
}

export interface RasterOptions {
  scale: number;
  /** Browser: a detached element for Konva's stage. Not needed in Node. */
  container?: object;
  /** Called after each strip with the rows done so far. */
  onProgress?: (rowsDone: number, rows: number) => void;
  /** Awaited between tiles, e.g. to let the browser paint a progress bar. */
  pause?: () => Promise<void>;
  /** Side of the tiles; EXPORT_TILE_SIZE unless a test wants a different cut. */
  tileSize?: number;
}

/**
 * Draws the scene in tiles and gives `onStrip` each horizontal strip of RGBA rows, top to
 * bottom (`width` × 4 bytes a row). No canvas is ever larger than one tile, and one strip's
 * memory serves every strip: `onStrip` must copy what it keeps before its promise settles.
 */
export async function rasterizeScene(
  K: Konva,
  scene: Scene,
  opts: RasterOptions,
  onStrip: (rgba: Uint8ClampedArray, rows: number) => void | Promise<void>,
): Promise<{ width: number; height: number }> {
  const { width, height } = exportSize(scene, opts.scale);
  const tileW = Math.min(opts.tileSize ?? EXPORT_TILE_SIZE, width);
  // A strip is as many rows as fit the strip budget, never more than a tile is tall.
  const tileH = Math.min(
    opts.tileSize ?? EXPORT_TILE_SIZE,
    height,
    Math.max(1, Math.floor(EXPORT_STRIP_BYTES / (width * 4))),
  );
  const stage = new K.Stage({
    width: tileW,
    height: tileH,
    ...(opts.container ? { container: opts.container } : {}),
  } as ConstructorParameters<Konva['Stage']>[0]);
  const layer = new K.Layer({ listening: false });
  stage.add(layer);
  layer.getCanvas().setPixelRatio(1);
  // Allocated once: a fresh strip per row of tiles would leave the garbage collector dozens of
  // strip-sized buffers to find on a large export.
  const stripMemory = new Uint8ClampedArray(width * tileH * 4);
  try {
    for (let top = 0; top < height; top += tileH) {
      const rows = Math.min(tileH, height - top);
      const strip = stripMemory.subarray(0, width * rows * 4);
      for (let left = 0; left < width; left += tileW) {
        const cols = Math.min(tileW, width - left);
        stage.size({ width: cols, height: rows });
        layer.getCanvas().setPixelRatio(1);
        const s = opts.scale;
        drawArea(K, layer, scene, { x: left / s, y: top / s, w: cols / s, h: rows / s }, s);
        const data = layer.getContext().getImageData(0, 0, cols, rows).data;
        for (let r = 0; r < rows; r++)
          strip.set(data.subarray(r * cols * 4, (r + 1) * cols * 4), (r * width + left) * 4);
        if (opts.pause) await opts.pause();
      }
      await onStrip(strip, rows);
      opts.onProgress?.(top + rows, height);
    }
  } finally {
    stage.destroy();
  }
  return { width, height };
}
