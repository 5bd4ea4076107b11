/**
 * The scene: a board (or one prompt of it) as a flat list of drawing primitives in image space,
 * with a header (title, date, role-group legend). The server's PNG and PDF export and the client's
 * image export all draw from it, so they show the same picture. Pure: no canvas, no DOM.
 *
 * It stays one file: the item types, the layout and the drawing of wheels, prompts and notes are
 * one computation sharing one coordinate system and private helpers (`noteBox`, `layout`), and
 * `sceneSize` must measure exactly what `buildScene` draws.
 */
import { NOTE_SIZE } from './limits.js';
import type { BoardState, Note, Prompt, Reaction } from './board.js';
import { monthSector, seasonOf, WHEEL_HUB_FRACTION, type Wheel } from './wheel.js';
import type { Locale } from './templates.js';
import {
  GROUP_BADGE,
  NOTE_FILL,
  NOTE_META_TEXT,
  NOTE_TEXT,
  PROMPT_DESCRIPTION,
  PROMPT_FILL,
  PROMPT_STROKE,
  PROMPT_TITLE,
  PROMPT_TITLE_FILL,
  SEASON_FILL,
  VOTE_FILL,
  WHEEL_STROKE,
  WHEEL_TEXT,
} from './palette.js';

/** The font every exported picture uses; it covers Finnish, Swedish and most European scripts. */
export const EXPORT_FONT_FAMILY = 'DejaVu Sans';
/** White space around the picture. */
export const SCENE_MARGIN = 40;
/** A picture is never narrower than this, so the header always fits. */
export const MIN_SCENE_WIDTH = 960;
/** Space between the header and the board. */
const HEADER_GAP = 32;
const TITLE_SIZE = 40;
const SUBTITLE_SIZE = 20;
const LEGEND_SIZE = 18;
const LEGEND_SWATCH = 20;
const LEGEND_ROW = 30;
/** Width of the role-group stripe on a note's left edge. */
export const GROUP_STRIPE = 8;
const PAGE_BACKGROUND = '#ffffff';

/** Reaction marks in exported pictures: glyphs the export font has. */
const REACTION_MARK: Record<Reaction, string> = { heart: '♥', clap: '✌', idea: '☼', agree: '+1' };

/** The header's words, per language. */
const SCENE_TEXT: Record<
  Locale,
  { untitled: string; notes: string; groups: string; edited: string }
> = {
  fi: { untitled: 'Nimetön taulu', notes: 'muistilappua', groups: 'Roolit', edited: 'muokattu' },
  sv: { untitled: 'Namnlös tavla', notes: 'lappar', groups: 'Roller', edited: 'redigerad' },
  en: { untitled: 'Untitled board', notes: 'notes', groups: 'Roles', edited: 'edited' },
};

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface ItemBase {
  /** The area the item may paint (for culling tiles and pages). */
  box: Box;
}

export interface SceneRect extends ItemBase {
  kind: 'rect';
  fill: string;
  stroke?: string;
  strokeWidth?: number;
  /** Corner radius, or radii clockwise from top-left. */
  radius?: number | [number, number, number, number];
}

export interface SceneText extends ItemBase {
  kind: 'text';
  text: string;
  size: number;
  fill: string;
  bold?: boolean;
  italic?: boolean;
  align?: 'left' | 'center';
  /** Word wrap inside the box, or one line. Text that does not fit ends in an ellipsis. */
  wrap: 'word' | 'none';
  lineHeight?: number;
}

export interface SceneCircle extends ItemBase {
  kind: 'circle';
  cx: number;
  cy: number;
  r: number;
  fill: string;
  stroke?: string;
  strokeWidth?: number;
}

/** A ring sector: angles in degrees clockwise from three o'clock, as canvas draws them. */
export interface SceneSector extends ItemBase {
  kind: 'sector';
  cx: number;
  cy: number;
  inner: number;
  outer: number;
  rotation: number;
  angle: number;
  fill: string;
  stroke: string;
  strokeWidth: number;
}

export type SceneItem = SceneRect | SceneText | SceneCircle | SceneSector;

/** Where each note landed in the picture, for checks and for links to it. */
export interface ScenePlacement {
  id: string;
  box: Box;
  fill: string;
}

export interface Scene {
  width: number;
  height: number;
  background: string;
  /** Painted in order. */
  items: SceneItem[];
  /** The header's area (title, date, legend). */
  header: Box;
  notes: ScenePlacement[];
}

export interface SceneOptions {
  locale: Locale;
  /** When the picture was taken (ms since the epoch): printed in the header. */
  now: number;
  /** Only this prompt and its notes; the whole board when absent. */
  promptId?: string | undefined;
}

export class SceneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SceneError';
  }
}

function union(a: Box | null, b: Box): Box {
  if (!a) return b;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    w: Math.max(a.x + a.w, b.x + b.w) - x,
    h: Math.max(a.y + a.h, b.y + b.h) - y,
  };
}

export function boxesMeet(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

const wheelBox = (w: Wheel): Box => ({ x: w.x - w.r, y: w.y - w.r, w: 2 * w.r, h: 2 * w.r });
const promptBox = (p: Prompt): Box => ({ x: p.x, y: p.y, w: p.w, h: p.h });
/** A note's box, with room for its vote badge above the top-right corner. */
const noteBox = (n: Note): Box => ({ x: n.x, y: n.y - 26, w: NOTE_SIZE + 10, h: NOTE_SIZE + 26 });

function monthNames(locale: Locale): string[] {
  const fmt = new Intl.DateTimeFormat(locale, { month: 'long' });
  return Array.from({ length: 12 }, (_, i) => fmt.format(new Date(2024, i, 15)));
}

/** The latest round in which the note has a visible total, or undefined. */
function noteVotes(board: BoardState, n: Note): number | undefined {
  for (let i = board.rounds.length - 1; i >= 0; i--) {
    const v = n.votes[board.rounds[i]!.id];
    if (v !== undefined) return v;
  }
  return undefined;
}

function wheelItems(wheel: Wheel, months: string[], dx: number, dy: number): SceneItem[] {
  const cx = wheel.x + dx;
  const cy = wheel.y + dy;
  const box = { x: cx - wheel.r, y: cy - wheel.r, w: 2 * wheel.r, h: 2 * wheel.r };
  const hub = wheel.r * WHEEL_HUB_FRACTION;
  const items: SceneItem[] = [];
  for (let m = 1; m <= 12; m++) {
    const { start } = monthSector(m);
    items.push({
      kind: 'sector',
      box,
      cx,
      cy,
      inner: hub,
      outer: wheel.r,
      rotation: (start * 180) / Math.PI - 90,
      angle: 30,
      fill: SEASON_FILL[seasonOf(m)],
      stroke: WHEEL_STROKE,
      strokeWidth: 2,
    });
  }
  for (let m = 1; m <= 12; m++) {
    const mid = monthSector(m).start + Math.PI / 12;
    items.push({
      kind: 'text',
      box: {
        x: cx + Math.sin(mid) * (wheel.r - 60) - 100,
        y: cy - Math.cos(mid) * (wheel.r - 60) - 14,
        w: 200,
        h: 36,
      },
      text: months[m - 1]!,
      size: 28,
      bold: true,
      fill: WHEEL_TEXT,
      align: 'center',
      wrap: 'none',
    });
  }
  items.push({
    kind: 'circle',
    box: { x: cx - hub, y: cy - hub, w: 2 * hub, h: 2 * hub },
    cx,
    cy,
    r: hub,
    fill: '#ffffff',
    stroke: WHEEL_STROKE,
    strokeWidth: 2,
  });
  return items;
}

function promptItems(p: Prompt, dx: number, dy: number): SceneItem[] {
  const x = p.x + dx;
  const y = p.y + dy;
  const items: SceneItem[] = [
    {
      kind: 'rect',
      box: { x, y, w: p.w, h: p.h },
      fill: PROMPT_FILL,
      stroke: PROMPT_STROKE,
      strokeWidth: 2,
      radius: 16,
    },
    {
      kind: 'rect',
      box: { x, y, w: p.w, h: 64 },
      fill: PROMPT_TITLE_FILL,
      radius: [16, 16, 0, 0],
    },
    {
      kind: 'text',
      box: { x: x + 20, y: y + 16, w: p.w - 40, h: 40 },
      text: p.title,
      size: 28,
      bold: true,
      fill: PROMPT_TITLE,
      wrap: 'none',
    },
  ];
  if (p.description && p.h > 110) {
    items.push({
      kind: 'text',
      box: { x: x + 20, y: y + 76, w: p.w - 40, h: Math.max(26, p.h - 96) },
      text: p.description,
      size: 20,
      lineHeight: 1.2,
      fill: PROMPT_DESCRIPTION,
      wrap: 'word',
    });
  }
  return items;
}

interface NoteContext {
  board: BoardState;
  months: string[];
  groupColor: Map<string, string>;
  groupLabel: Map<string, string>;
  clusterLabel: Map<string, string>;
  /** The word that marks a note whose text the facilitator changed. */
  edited: string;
}

function noteItems(n: Note, ctx: NoteContext, dx: number, dy: number): SceneItem[] {
  const x = n.x + dx;
  const y = n.y + dy;
  const fill = NOTE_FILL[n.color];
  const items: SceneItem[] = [
    {
      kind: 'rect',
      box: { x, y, w: NOTE_SIZE, h: NOTE_SIZE },
      fill,
      stroke: '#a9b4b8',
      strokeWidth: 1,
      radius: 6,
    },
  ];
  const groupColor = n.group ? ctx.groupColor.get(n.group) : undefined;
  if (groupColor) {
    items.push({
      kind: 'rect',
      box: { x, y, w: GROUP_STRIPE, h: NOTE_SIZE },
      fill: groupColor,
      radius: [6, 0, 0, 6],
    });
  }
  items.push({
    kind: 'text',
    box: { x: x + 14, y: y + 12, w: NOTE_SIZE - 26, h: NOTE_SIZE - 44 },
    text: n.text,
    size: 16,
    lineHeight: 1.25,
    fill: NOTE_TEXT,
    wrap: 'word',
  });
  const footer: string[] = [];
  // First, so a long footer never cuts it off.
  if (n.editedByFacilitator) footer.push(ctx.edited);
  const reactions = (Object.entries(n.reactions) as [Reaction, number][])
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${REACTION_MARK[k]} ${v}`)
    .join(' ');
  if (reactions) footer.push(reactions);
  if (n.month) footer.push(ctx.months[n.month - 1]!);
  if (n.cluster && ctx.clusterLabel.has(n.cluster))
    footer.push(`▣ ${ctx.clusterLabel.get(n.cluster)}`);
  if (n.author) footer.push(n.author);
  if (n.group && ctx.groupLabel.has(n.group)) footer.push(ctx.groupLabel.get(n.group)!);
  if (footer.length > 0) {
    items.push({
      kind: 'text',
      box: { x: x + 14, y: y + NOTE_SIZE - 26, w: NOTE_SIZE - 22, h: 16 },
      text: footer.join(' · '),
      size: 12,
      fill: NOTE_META_TEXT,
      wrap: 'none',
    });
  }
  const votes = noteVotes(ctx.board, n);
  if (votes !== undefined && votes > 0) {
    const cx = x + NOTE_SIZE - 18;
    const cy = y - 10;
    items.push(
      {
        kind: 'circle',
        box: { x: cx - 16, y: cy - 16, w: 32, h: 32 },
        cx,
        cy,
        r: 16,
        fill: VOTE_FILL,
      },
      {
        kind: 'text',
        box: { x: cx - 16, y: cy - 9, w: 32, h: 20 },
        text: String(votes),
        size: 16,
        bold: true,
        fill: '#ffffff',
        align: 'center',
        wrap: 'none',
      },
    );
  }
  return items;
}

function formatDate(locale: Locale, now: number): string {
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'numeric',
    year: 'numeric',
  }).format(new Date(now));
}

/** What is drawn and where, before any item is made: the header and the content's bounds. */
function layout(board: BoardState, opts: SceneOptions) {
  const text = SCENE_TEXT[opts.locale];
  const prompt = opts.promptId ? board.prompts.find((p) => p.id === opts.promptId) : undefined;
  if (opts.promptId && !prompt) throw new SceneError(`no prompt ${opts.promptId} on this board`);
  const prompts = prompt ? [prompt] : [...board.prompts].sort(byStacking);
  const notes = prompt ? board.notes.filter((n) => n.promptId === prompt.id) : board.notes;
  const wheel = board.meta.wheel;

  let content: Box | null = null;
  if (prompt) {
    content = promptBox(prompt);
    // The annual clock comes with the prompt it lies on, whole.
    if (wheel && boxesMeet(wheelBox(wheel), content)) content = union(content, wheelBox(wheel));
  } else {
    if (wheel) content = union(content, wheelBox(wheel));
    for (const p of prompts) content = union(content, promptBox(p));
  }
  for (const n of notes) content = union(content, noteBox(n));
  content ??= { x: 0, y: 0, w: 0, h: 0 };

  const width = Math.ceil(Math.max(MIN_SCENE_WIDTH, content.w + 2 * SCENE_MARGIN));
  const inner = width - 2 * SCENE_MARGIN;

  // Header: title, then date and counts, then the legend of the role groups on the notes.
  const header: SceneItem[] = [];
  let y = SCENE_MARGIN;
  header.push({
    kind: 'text',
    box: { x: SCENE_MARGIN, y, w: inner, h: TITLE_SIZE * 1.25 },
    text: board.meta.title || text.untitled,
    size: TITLE_SIZE,
    bold: true,
    fill: PROMPT_TITLE,
    wrap: 'none',
  });
  y += TITLE_SIZE * 1.25 + 8;
  const subtitle = [formatDate(opts.locale, opts.now), `${notes.length} ${text.notes}`];
  if (prompt) subtitle.unshift(prompt.title);
  header.push({
    kind: 'text',
    box: { x: SCENE_MARGIN, y, w: inner, h: SUBTITLE_SIZE * 1.3 },
    text: subtitle.join(' · '),
    size: SUBTITLE_SIZE,
    fill: PROMPT_DESCRIPTION,
    wrap: 'none',
  });
  y += SUBTITLE_SIZE * 1.3 + 12;

  const groupColor = new Map<string, string>();
  const groupLabel = new Map<string, string>();
  board.meta.groups.forEach((g, i) => {
    groupColor.set(g.id, GROUP_BADGE[i % GROUP_BADGE.length]!);
    groupLabel.set(g.id, g.label);
  });
  const perGroup = new Map<string, number>();
  for (const n of notes) {
    if (n.group && groupLabel.has(n.group)) perGroup.set(n.group, (perGroup.get(n.group) ?? 0) + 1);
  }
  const legend = board.meta.groups.filter((g) => perGroup.has(g.id));
  if (legend.length > 0) {
    const headingW = LEGEND_SIZE * 0.62 * (text.groups.length + 2);
    header.push({
      kind: 'text',
      box: { x: SCENE_MARGIN, y: y + 1, w: headingW, h: LEGEND_ROW },
      text: `${text.groups}:`,
      size: LEGEND_SIZE,
      bold: true,
      fill: PROMPT_TITLE,
      wrap: 'none',
    });
    let x = SCENE_MARGIN + headingW;
    for (const g of legend) {
      const label = `${g.label} (${perGroup.get(g.id)})`;
      // Measured generously (0.62 em per character) so labels never overlap; no font needed here.
      const w = LEGEND_SWATCH + 8 + Math.ceil(label.length * LEGEND_SIZE * 0.62) + 24;
      if (x + w > SCENE_MARGIN + inner && x > SCENE_MARGIN + headingW) {
        x = SCENE_MARGIN + headingW;
        y += LEGEND_ROW;
      }
      header.push(
        {
          kind: 'rect',
          box: { x, y: y + 1, w: LEGEND_SWATCH, h: LEGEND_SWATCH },
          fill: groupColor.get(g.id)!,
          radius: 4,
        },
        {
          kind: 'text',
          box: { x: x + LEGEND_SWATCH + 8, y: y + 1, w: w - LEGEND_SWATCH - 8, h: LEGEND_ROW },
          text: label,
          size: LEGEND_SIZE,
          fill: NOTE_TEXT,
          wrap: 'none',
        },
      );
      x += w;
    }
    y += LEGEND_ROW;
  }
  const headerBox = { x: 0, y: 0, w: width, h: y };
  // The board below the header.
  const top = y + HEADER_GAP;
  return {
    height: Math.ceil(top + content.h + SCENE_MARGIN),
    top,
    prompt,
    prompts,
    notes,
    wheel,
    content,
    width,
    inner,
    header,
    headerBox,
    groupColor,
    groupLabel,
  };
}

/** The picture's size at 1×, without building it: cheap enough to run on every change. */
export function sceneSize(
  board: BoardState,
  opts: SceneOptions,
): { width: number; height: number } {
  const { width, height } = layout(board, opts);
  return { width, height };
}

/**
 * The picture of a board (or of one prompt) in image space at 1×: one board unit is one pixel.
 * Throws SceneError when the prompt does not exist.
 */
export function buildScene(board: BoardState, opts: SceneOptions): Scene {
  const {
    prompt,
    prompts,
    notes,
    wheel,
    content,
    width,
    inner,
    header,
    headerBox,
    groupColor,
    groupLabel,
    top,
    height,
  } = layout(board, opts);

  // The content's top-left corner at the margin, centred when narrower than the header.
  const dx = SCENE_MARGIN - content.x + Math.max(0, (inner - content.w) / 2);
  const dy = top - content.y;
  const items: SceneItem[] = [...header];
  const months = monthNames(opts.locale);
  // The wheel lies on its prompt, as on the canvas.
  for (const p of prompts) items.push(...promptItems(p, dx, dy));
  if (wheel && (!prompt || boxesMeet(wheelBox(wheel), promptBox(prompt))))
    items.push(...wheelItems(wheel, months, dx, dy));
  const ctx: NoteContext = {
    board,
    months,
    groupColor,
    groupLabel,
    clusterLabel: new Map(board.clusters.map((c) => [c.id, c.label])),
    edited: SCENE_TEXT[opts.locale].edited,
  };
  const placements: ScenePlacement[] = [];
  for (const n of notes) {
    items.push(...noteItems(n, ctx, dx, dy));
    placements.push({
      id: n.id,
      box: { x: n.x + dx, y: n.y + dy, w: NOTE_SIZE, h: NOTE_SIZE },
      fill: NOTE_FILL[n.color],
    });
  }
  return {
    width,
    height,
    background: PAGE_BACKGROUND,
    items,
    header: headerBox,
    notes: placements,
  };
}

/** Prompts are stacked oldest first, as on the canvas (ties by id). */
function byStacking(a: Prompt, b: Prompt): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1);
}
