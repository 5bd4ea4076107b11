/**
 * The board as a PNG drawn in the browser: the same scene and drawing code as the server's
 * export, tile by tile (no canvas is ever larger than one tile, so no browser canvas limit is
 * reached), compressed as it goes with the browser's own CompressionStream.
 */
import Konva from 'konva';
import regularFont from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf?url';
import boldFont from 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf?url';
import {
  buildScene,
  EXPORT_FONT_FAMILY,
  exportSize,
  PngStreamWriter,
  rasterizeScene,
  type BoardState,
  type Locale,
  type ZlibFactory,
} from '@pajataulu/shared';

/** The browser's zlib (CompressionStream 'deflate' is the zlib format PNG wants). */
const browserZlib: ZlibFactory = (onData) => {
  const stream = new CompressionStream('deflate');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onData(value);
    }
  })();
  return {
    async write(raw) {
      await writer.ready;
      await writer.write(raw as Uint8Array<ArrayBuffer>);
    },
    async finish() {
      await writer.close();
      await pump;
    },
  };
};

let fontsLoaded: Promise<void> | undefined;
/** The export font, fetched once, the first time a picture is drawn. */
function loadFonts(): Promise<void> {
  fontsLoaded ??= Promise.all(
    [
      new FontFace(EXPORT_FONT_FAMILY, `url(${regularFont})`, { weight: '400' }),
      new FontFace(EXPORT_FONT_FAMILY, `url(${boldFont})`, { weight: '700' }),
    ].map(async (face) => document.fonts.add(await face.load())),
  ).then(
    () => undefined,
    (err: unknown) => {
      // Not remembered: the next export tries again.
      fontsLoaded = undefined;
      throw err;
    },
  );
  return fontsLoaded;
}

export interface PictureOptions {
  locale: Locale;
  scale: number;
  promptId?: string | undefined;
  now?: number;
  /** Fraction done, 0–1. */
  onProgress?: (done: number) => void;
}

/**
 * Draws the board (or one prompt) as a PNG. Throws ExportTooLargeError (with the largest scale
 * that fits) before drawing anything when the picture would be too large.
 */
export async function drawBoardPng(board: BoardState, opts: PictureOptions): Promise<Blob> {
  const scene = buildScene(board, {
    locale: opts.locale,
    now: opts.now ?? Date.now(),
    promptId: opts.promptId,
  });
  const { width, height } = exportSize(scene, opts.scale);
  await loadFonts();
  const parts: Uint8Array<ArrayBuffer>[] = [];
  const png = new PngStreamWriter(
    width,
    height,
    (bytes) => parts.push(bytes as Uint8Array<ArrayBuffer>),
    browserZlib,
  );
  await rasterizeScene(
    Konva,
    scene,
    {
      scale: opts.scale,
      container: document.createElement('div'),
      // Let the page paint its progress bar between tiles.
      pause: () => new Promise((resolve) => setTimeout(resolve, 0)),
      onProgress: (rows, total) => opts.onProgress?.(rows / total),
    },
    (rgba, rows) => png.writeRows(rgba, rows),
  );
  await png.end();
  return new Blob(parts, { type: 'image/png' });
}

/** Offers a blob as a download. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
