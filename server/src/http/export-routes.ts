/**
 * Export routes of the HTTP API: a board as a backup, a table, a picture or a PDF, for its
 * facilitator. Every file is made in an export worker and streamed as it is written.
 */
import type { Request, Response, Router } from 'express';
import * as Y from 'yjs';
import { z } from 'zod';
import {
  DEFAULT_LOCALE,
  ErrorCode,
  LOCALES,
  MAX_EXPORT_SCALE,
  MIN_EXPORT_SCALE,
  promptsMap,
  type Locale,
} from '@pajataulu/shared';
import type { BoardRegistry } from '../board/registry.js';
import { secretMatches } from '../crypto.js';
import {
  ExportAbortedError,
  ExportBusyError,
  ExportPendingError,
  ExportRefusedError,
  type Exporter,
} from '../export/exporter.js';
import { PAPER_SIZES, PDF_LAYOUTS, type WorkerJob } from '../export/options.js';
import { createLogger } from '../log.js';
import type { BoardRecord, Storage } from '../storage/storage.js';
import { sendError, zodError } from './errors.js';

const log = createLogger('http');

/** The content type of each file an export worker makes. */
const CONTENT_TYPES = {
  backup: 'application/json; charset=utf-8',
  png: 'image/png',
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;
/** What a board can be exported as over HTTP. */
const EXPORT_FORMATS: ReadonlySet<string> = new Set(['json', 'csv', 'xlsx', 'png', 'pdf']);

const PictureQuery = z.object({
  scale: z.coerce.number().min(MIN_EXPORT_SCALE).max(MAX_EXPORT_SCALE).default(1),
  prompt: z.string().max(64).optional(),
  paper: z.enum(PAPER_SIZES).default('a4'),
  pages: z.enum(PDF_LAYOUTS).default('board'),
});

export interface ExportRoutesOptions {
  storage: Storage;
  registry: BoardRegistry;
  exporter: Exporter;
}

/** Adds `GET /boards/:id/export.:format` to the `/api` router. */
export function addExportRoutes(
  api: Router,
  { storage, registry, exporter }: ExportRoutesOptions,
): void {
  /** The board, if the request carries its facilitator key in a Bearer header. */
  async function facilitatorBoard(req: Request, res: Response): Promise<BoardRecord | undefined> {
    const board = await storage.getBoard(String(req.params['id'] ?? ''));
    if (!board) {
      sendError(res, ErrorCode.BoardNotFound, 'no such board');
      return undefined;
    }
    // Header only: a key in the address would end up in logs and browser history.
    const key = /^Bearer\s+(\S+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (!key || !secretMatches(key, board.facilitatorKeyHash)) {
      sendError(res, ErrorCode.Unauthorized, 'the facilitator key is missing or wrong');
      return undefined;
    }
    return board;
  }

  api.get('/boards/:id/export.:format', async (req, res) => {
    const format = String(req.params['format']);
    if (!EXPORT_FORMATS.has(format))
      return sendError(res, ErrorCode.NotFound, 'formats: json, csv, xlsx, png, pdf');
    const board = await facilitatorBoard(req, res);
    if (!board) return;
    const lang = (LOCALES as readonly string[]).includes(String(req.query['lang']))
      ? (req.query['lang'] as Locale)
      : DEFAULT_LOCALE;
    const live = await registry.get(board.id);
    // Export what is committed, nothing half-applied, including other instances' latest batches.
    await live.fresh();
    await new Promise<void>((resolve) => live.whenCommitted(resolve));
    const name = `pajataulu-${board.code}`;
    res.setHeader('Cache-Control', 'no-store');
    if (format === 'json') {
      // Written in the export worker: the backup of a large board is megabytes of JSON.
      const job: WorkerJob = {
        kind: 'backup',
        update: Y.encodeStateAsUpdate(live.doc),
        now: Date.now(),
      };
      await sendFromWorker(res, job, `${name}.json`, board.id);
      return;
    }
    if (format === 'png' || format === 'pdf') {
      const query = PictureQuery.safeParse(req.query);
      if (!query.success) return zodError(res, query.error);
      const q = query.data;
      if (q.prompt !== undefined && !promptsMap(live.doc).has(q.prompt))
        return sendError(
          res,
          ErrorCode.InvalidMessage,
          `prompt: no prompt ${q.prompt} on this board`,
        );
      const common = { update: Y.encodeStateAsUpdate(live.doc), locale: lang, now: Date.now() };
      const job: WorkerJob =
        format === 'png'
          ? { kind: 'png', ...common, scale: q.scale, ...(q.prompt ? { promptId: q.prompt } : {}) }
          : { kind: 'pdf', ...common, paper: q.paper, layout: q.pages };
      await sendFromWorker(res, job, `${name}.${format}`, board.id);
      return;
    }
    // The table is made in a worker too: a spreadsheet of thousands of notes takes seconds.
    const job: WorkerJob = {
      kind: 'table',
      update: Y.encodeStateAsUpdate(live.doc),
      locale: lang,
      format: format === 'csv' ? 'csv' : 'xlsx',
      sheet: board.code,
    };
    await sendFromWorker(res, job, `${name}.${format}`, board.id);
  });

  /** Streams a file from an export worker; errors before the first byte are typed responses. */
  async function sendFromWorker(
    res: Response,
    job: WorkerJob,
    filename: string,
    boardId: string,
  ): Promise<void> {
    let started = false;
    // A client that goes away stops its export, queued or drawing.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    try {
      await exporter.run(
        job,
        {
          start: (size) => {
            started = true;
            res.status(200);
            res.type(CONTENT_TYPES[job.kind === 'table' ? job.format : job.kind]);
            res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
            if (job.kind === 'png') res.setHeader('X-Image-Size', `${size.width}x${size.height}`);
          },
          chunk: (bytes) => res.write(bytes),
          onDrain: (fn) => res.on('drain', fn),
        },
        gone.signal,
        boardId,
      );
      res.end();
    } catch (err) {
      if (err instanceof ExportAbortedError && res.destroyed) {
        log.info('export stopped: the client went away');
      } else if (started) {
        // Headers are gone: cut the response so the client sees a broken download, not a short file.
        if (err instanceof ExportAbortedError) log.info('export stopped', { reason: err.message });
        else log.error('export failed midway', { err });
        res.destroy();
      } else if (err instanceof ExportRefusedError && err.reason === 'too_large') {
        sendError(res, ErrorCode.ExportTooLarge, err.message, { maxScale: err.maxScale });
      } else if (err instanceof ExportRefusedError) {
        sendError(res, ErrorCode.InvalidMessage, err.message);
      } else if (err instanceof ExportBusyError || err instanceof ExportPendingError) {
        sendError(res, ErrorCode.RateLimited, err.message);
      } else throw err;
    }
  }
}
