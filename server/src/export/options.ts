/** What an export may be asked for: shared by the HTTP API, the exporter and the worker. */
import type { BoardState, Locale } from '@pajataulu/shared';

export const PAPER_SIZES = ['a4', 'a3'] as const;
export type Paper = (typeof PAPER_SIZES)[number];
/** One page with the whole board, or one page per prompt. */
export const PDF_LAYOUTS = ['board', 'prompts'] as const;
export type PdfLayout = (typeof PDF_LAYOUTS)[number];

export interface PngRequest {
  board: BoardState;
  locale: Locale;
  now: number;
  scale: number;
  promptId?: string | undefined;
}

export interface PdfRequest {
  board: BoardState;
  locale: Locale;
  now: number;
  paper: Paper;
  layout: PdfLayout;
}

/**
 * What the worker draws: the board as a Yjs update (cheap to make on the serving thread, and
 * transferred rather than copied; the worker reads it), or an already read board.
 */
export type BoardSource = { update: Uint8Array } | { board: BoardState };

/** The notes as a table: a spreadsheet, or CSV text. */
export const TABLE_FORMATS = ['xlsx', 'csv'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

export interface TableRequest {
  board: BoardState;
  locale: Locale;
  format: TableFormat;
  /** Name of the spreadsheet's sheet (the board's join code). */
  sheet: string;
}

/** The board's JSON backup (`toBackup`), written at `now`. */
export interface BackupRequest {
  update: Uint8Array;
  now: number;
}

export type WorkerJob =
  | ({ kind: 'backup' } & BackupRequest)
  | ({ kind: 'png' } & Omit<PngRequest, 'board'> & BoardSource)
  | ({ kind: 'pdf' } & Omit<PdfRequest, 'board'> & BoardSource)
  | ({ kind: 'table' } & Omit<TableRequest, 'board'> & BoardSource);

/** From the serving thread to the worker: stop or go on sending (the receiver is full or has room). */
export type WorkerControl = { type: 'pause' } | { type: 'resume' };

export type WorkerMessage =
  | { type: 'start'; width: number; height: number }
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'done' }
  | { type: 'refused'; code: 'too_large' | 'invalid'; message: string; maxScale: number }
  | { type: 'failed'; message: string };
