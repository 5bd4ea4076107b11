/**
 * Pictures of a board on the server: PNG through Konva on @napi-rs/canvas (the same scene and the
 * same drawing code as the client's export), PDF through PDFKit with the same scene as vectors and
 * real text. Runs inside the export worker, never on the event loop that serves boards.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { createCanvas, GlobalFonts, Image } from '@napi-rs/canvas';
import Konva from 'konva';
import PDFDocument from 'pdfkit';
import {
  buildScene,
  EXPORT_FONT_FAMILY,
  exportSize,
  PngStreamWriter,
  rasterizeScene,
  type Scene,
  type ZlibFactory,
  type SceneItem,
} from '@pajataulu/shared';
import type { Paper, PdfRequest, PngRequest } from './options.js';

const require = createRequire(import.meta.url);
/** The export font's files (DejaVu Sans, from npm): regular and bold. */
export const FONT_FILES = {
  regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
};

/** zlib level of exported PNGs: zlib's own default balance of size and speed. */
export const PNG_ZLIB_LEVEL = 6;

/** Node's zlib as the PNG's compressor, with back-pressure. */
export const nodeZlib: ZlibFactory = (onData) => {
  const z = zlib.createDeflate({ level: PNG_ZLIB_LEVEL });
  z.on('data', (b: Buffer) => onData(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
  const ended = once(z, 'end');
  return {
    async write(raw) {
      if (!z.write(raw)) await once(z, 'drain');
    },
    async finish() {
      z.end();
      await ended;
    },
  };
};

let konvaReady = false;
/** Konva drawing on @napi-rs/canvas, with the export font registered. */
export function nodeKonva(): typeof Konva {
  if (!konvaReady) {
    GlobalFonts.registerFromPath(FONT_FILES.regular, EXPORT_FONT_FAMILY);
    GlobalFonts.registerFromPath(FONT_FILES.bold, EXPORT_FONT_FAMILY);
    Konva.Util.createCanvasElement = () => {
      const canvas = createCanvas(1, 1) as unknown as { style?: object };
      canvas.style ??= {};
      return canvas as ReturnType<typeof Konva.Util.createCanvasElement>;
    };
    Konva.Util.createImageElement = () =>
      new Image() as unknown as ReturnType<typeof Konva.Util.createImageElement>;
    konvaReady = true;
  }
  return Konva;
}

/**
 * Draws the PNG. `onStart` gets the size before the first byte (it throws ExportTooLargeError or
 * ExportScaleError instead when the picture cannot be drawn), `emit` gets the bytes in order.
 */
export async function renderPng(
  req: PngRequest,
  onStart: (size: { width: number; height: number }) => void,
  emit: (bytes: Uint8Array) => void,
  /** Awaited between tiles: where the receiver's back-pressure holds the drawing. */
  room?: () => Promise<void>,
): Promise<void> {
  const scene = buildScene(req.board, { locale: req.locale, now: req.now, promptId: req.promptId });
  const size = exportSize(scene, req.scale);
  onStart(size);
  const png = new PngStreamWriter(size.width, size.height, emit, nodeZlib);
  await rasterizeScene(
    nodeKonva(),
    scene,
    { scale: req.scale, ...(room ? { pause: room } : {}) },
    (rgba, rows) => png.writeRows(rgba, rows),
  );
  await png.end();
}

/** Page margin, in PDF points. */
const PDF_MARGIN = 28;

const PDF_FONT = { regular: 'Export', bold: 'Export-Bold' } as const;

function roundedPath(
  x: number,
  y: number,
  w: number,
  h: number,
  radius: number | [number, number, number, number] | undefined,
): string {
  const [tl, tr, br, bl] = Array.isArray(radius)
    ? radius.map((r) => Math.min(r, w / 2, h / 2))
    : Array.from({ length: 4 }, () => Math.min(radius ?? 0, w / 2, h / 2));
  return [
    `M${x + tl!},${y}`,
    `H${x + w - tr!}`,
    tr ? `A${tr},${tr} 0 0 1 ${x + w},${y + tr!}` : '',
    `V${y + h - br!}`,
    br ? `A${br},${br} 0 0 1 ${x + w - br!},${y + h}` : '',
    `H${x + bl!}`,
    bl ? `A${bl},${bl} 0 0 1 ${x},${y + h - bl!}` : '',
    `V${y + tl!}`,
    tl ? `A${tl},${tl} 0 0 1 ${x + tl!},${y}` : '',
    'Z',
  ].join(' ');
}

function sectorPath(
  cx: number,
  cy: number,
  inner: number,
  outer: number,
  rot: number,
  angle: number,
) {
  const a0 = (rot * Math.PI) / 180;
  const a1 = ((rot + angle) * Math.PI) / 180;
  const p = (r: number, a: number) => `${cx + r * Math.cos(a)},${cy + r * Math.sin(a)}`;
  const large = angle > 180 ? 1 : 0;
  return [
    `M${p(outer, a0)}`,
    `A${outer},${outer} 0 ${large} 1 ${p(outer, a1)}`,
    `L${p(inner, a1)}`,
    `A${inner},${inner} 0 ${large} 0 ${p(inner, a0)}`,
    'Z',
  ].join(' ');
}

/** Draws one scene item on the PDF page; coordinates are already in scene units under the page's transform. */
function pdfItem(doc: PDFKit.PDFDocument, item: SceneItem): void {
  const { box } = item;
  switch (item.kind) {
    case 'rect': {
      doc.path(roundedPath(box.x, box.y, box.w, box.h, item.radius));
      if (item.stroke && item.strokeWidth)
        doc.lineWidth(item.strokeWidth).fillAndStroke(item.fill, item.stroke);
      else doc.fill(item.fill);
      return;
    }
    case 'circle': {
      doc.circle(item.cx, item.cy, item.r);
      if (item.stroke && item.strokeWidth)
        doc.lineWidth(item.strokeWidth).fillAndStroke(item.fill, item.stroke);
      else doc.fill(item.fill);
      return;
    }
    case 'sector': {
      doc.path(sectorPath(item.cx, item.cy, item.inner, item.outer, item.rotation, item.angle));
      doc.lineWidth(item.strokeWidth).fillAndStroke(item.fill, item.stroke);
      return;
    }
    case 'text': {
      if (!item.text) return;
      doc
        .font(item.bold ? PDF_FONT.bold : PDF_FONT.regular)
        .fontSize(item.size)
        .fillColor(item.fill)
        .text(item.text, box.x, box.y, {
          width: box.w,
          height: box.h,
          ellipsis: true,
          lineBreak: item.wrap === 'word',
          align: item.align ?? 'left',
          lineGap: item.lineHeight ? item.size * (item.lineHeight - 1) : 0,
        });
      return;
    }
  }
}

function pdfPage(doc: PDFKit.PDFDocument, scene: Scene, paper: Paper): void {
  doc.addPage({ size: paper.toUpperCase(), layout: 'landscape', margin: 0 });
  const pw = doc.page.width - 2 * PDF_MARGIN;
  const ph = doc.page.height - 2 * PDF_MARGIN;
  const k = Math.min(pw / scene.width, ph / scene.height);
  doc.save();
  // Centred across the page, from the top: a board reads top-down on paper.
  doc.translate(PDF_MARGIN + (pw - scene.width * k) / 2, PDF_MARGIN);
  doc.scale(k);
  for (const item of scene.items) pdfItem(doc, item);
  doc.restore();
}

/** Writes the PDF to `emit`, in order; resolves when the last byte has been emitted. */
export function renderPdf(req: PdfRequest, emit: (bytes: Uint8Array) => void): Promise<void> {
  const opts = { locale: req.locale, now: req.now };
  // The whole board first; with `prompts`, then a page per prompt, top to bottom. The first page
  // keeps what lies outside every prompt.
  const scenes = [buildScene(req.board, opts)];
  if (req.layout === 'prompts')
    for (const p of [...req.board.prompts].sort((a, b) => a.y - b.y || a.x - b.x))
      scenes.push(buildScene(req.board, { ...opts, promptId: p.id }));
  const doc = new PDFDocument({
    autoFirstPage: false,
    compress: true,
    info: {
      Title: req.board.meta.title || 'Pajataulu',
      Producer: 'Pajataulu',
      Creator: 'Pajataulu',
    },
  });
  doc.registerFont(PDF_FONT.regular, FONT_FILES.regular);
  doc.registerFont(PDF_FONT.bold, FONT_FILES.bold);
  const done = new Promise<void>((resolve, reject) => {
    doc.on('data', (b: Buffer) => emit(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  for (const scene of scenes) pdfPage(doc, scene, req.paper);
  doc.end();
  return done;
}
