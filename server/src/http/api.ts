/**
 * The HTTP API: create a board, look one up by its join code, join it as a participant, import a
 * backup as a new board; exports are in `export-routes.ts`. Bodies are validated with zod; every
 * error is `{ error: { code, message } }` with a status (`errors.ts`).
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import * as Y from 'yjs';
import { z } from 'zod';
import {
  BOARD_MODES,
  buildTemplate,
  DEFAULT_LOCALE,
  DEFAULT_STATIONS,
  LOCALES,
  MAX_STATIONS,
  MIN_STATIONS,
  STATION_ASSIGNMENTS,
  BOARD_SCHEMA_VERSION,
  DEFAULT_GROUP_THRESHOLD,
  defaultGroups,
  ErrorCode,
  initBoardDoc,
  MAX_BOARD_TITLE_LENGTH,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_GROUP_LABEL_LENGTH,
  MAX_GROUP_THRESHOLD,
  MAX_GROUPS_PER_BOARD,
  MAX_HTTP_BODY_BYTES,
  MIN_GROUP_THRESHOLD,
  newJoinCode,
  newSecret,
  normalizeJoinCode,
  normalizeText,
  withinCodeUnits,
  randomId,
  readMeta,
  TEMPLATES,
} from '@pajataulu/shared';
import { hashSecret } from '../crypto.js';
import { createLogger } from '../log.js';
import type { BoardRegistry } from '../board/registry.js';
import { clientAddress as address, type Limits } from '../limits.js';
import { Exporter } from '../export/exporter.js';
import { JoinCodeTakenError, type BoardRecord, type Storage } from '../storage/storage.js';
import {
  BodyIncompleteError,
  BodyTooLargeError,
  IMPORT_UPLOAD_TIMEOUT_MS,
  ImportBusyError,
  ImportPerAddressError,
  Importer,
  ImportInvalidError,
  ImportTooCostlyError,
  MAX_IMPORT_BYTES,
  readBody,
} from './importer.js';
import { CoreSlot } from '../core-slot.js';
import { sendError, zodError } from './errors.js';
import { addExportRoutes } from './export-routes.js';

const log = createLogger('http');

export { MAX_IMPORT_BYTES };

/** Attempts at drawing a free join code before giving up. */
export const JOIN_CODE_ATTEMPTS = 8;

const trimmed = (max: number, min = 0) =>
  z
    .string()
    .transform((s) => normalizeText(s).trim())
    .pipe(withinCodeUnits(z.string().min(min), max));

const CreateBoardBody = z
  .strictObject({
    title: trimmed(MAX_BOARD_TITLE_LENGTH, 1),
    template: z.enum(TEMPLATES).default('blank'),
    mode: z.enum(BOARD_MODES).default('anonymous'),
    /** The language of the template's texts. */
    locale: z.enum(LOCALES).default(DEFAULT_LOCALE),
    /** Stations of a stations board, and how participants are put in them. */
    stations: z.number().int().min(MIN_STATIONS).max(MAX_STATIONS).default(DEFAULT_STATIONS),
    /** Only for a stations board (balanced when omitted); any other template refuses it. */
    assignment: z.enum(STATION_ASSIGNMENTS).optional(),
    /** Role group labels; omitted gives the defaults, an empty list gives none. */
    groups: z.array(trimmed(MAX_GROUP_LABEL_LENGTH, 1)).max(MAX_GROUPS_PER_BOARD).optional(),
    groupThreshold: z
      .number()
      .int()
      .min(MIN_GROUP_THRESHOLD)
      .max(MAX_GROUP_THRESHOLD)
      .default(DEFAULT_GROUP_THRESHOLD),
  })
  .superRefine((b, ctx) => {
    if (b.assignment !== undefined && b.template !== 'stations')
      ctx.addIssue({
        code: 'custom',
        path: ['assignment'],
        message: 'only a stations board has a station assignment',
      });
  });

const JoinBody = z.strictObject({
  name: trimmed(MAX_DISPLAY_NAME_LENGTH).optional(),
  group: z.string().max(64).nullable().optional(),
});

export interface ApiOptions {
  storage: Storage;
  registry: BoardRegistry;
  /** The origin to put in links, or undefined to use the request's. */
  publicUrl: string | undefined;
  /** Counted limits, shared with the gateway (and, in cluster mode, with the other instances). */
  limits: Limits;
  /** How long an export may wait for its receiver to take bytes; undefined for EXPORT_STALL_MS. */
  exportStallMs?: number | undefined;
}

/** The `/api` router. */
export function createApi({
  storage,
  registry,
  publicUrl,
  limits,
  exportStallMs,
}: ApiOptions): Router {
  // Imports and exports take turns on one core: see core-slot.ts.
  const core = new CoreSlot();
  const exporter = new Exporter({ stallMs: exportStallMs, core });
  const importer = new Importer({ core });
  const api = express.Router();

  /** The board a code names, counting misses per address so codes cannot be guessed at speed. */
  async function boardByCode(req: Request, res: Response): Promise<BoardRecord | undefined> {
    const code = normalizeJoinCode(String(req.params['code'] ?? ''));
    const board = code ? await storage.getBoardByCode(code) : undefined;
    if (board) return board;
    if (!(await limits.take('codeMissesPerAddress', address(req)))) {
      sendError(res, ErrorCode.RateLimited, 'too many wrong codes; wait a minute');
    } else sendError(res, ErrorCode.BoardNotFound, 'no board with that code');
    return undefined;
  }
  // Bodies are small, except a backup being imported, which has a parser of its own.
  const smallJson = express.json({ limit: MAX_HTTP_BODY_BYTES, strict: true });
  api.use((req, res, next) => (req.path === '/boards/import' ? next() : smallJson(req, res, next)));

  /** Stores a new board with fresh keys and a free join code; undefined when no code was free. */
  async function insertBoard(req: Request, title: string, template: string, initial: Uint8Array) {
    const facilitatorKey = newSecret();
    const projectorKey = newSecret();
    const id = randomId(20);
    for (let attempt = 0; attempt < JOIN_CODE_ATTEMPTS; attempt++) {
      const code = newJoinCode();
      try {
        await storage.createBoard(
          {
            id,
            code,
            title,
            template,
            createdAt: Date.now(),
            facilitatorKeyHash: hashSecret(facilitatorKey),
            projectorKeyHash: hashSecret(projectorKey),
            projectorKey,
          },
          initial,
        );
      } catch (err) {
        if (err instanceof JoinCodeTakenError) continue;
        throw err;
      }
      const o = origin(req);
      log.info('board created', { board: id });
      return {
        boardId: id,
        code,
        facilitatorKey,
        projectorKey,
        links: {
          participant: `${o}/j/${code}`,
          facilitator: `${o}/f/${code}#key=${facilitatorKey}`,
          projector: `${o}/p/${code}#key=${projectorKey}`,
        },
      };
    }
    return undefined;
  }

  const origin = (req: Request) =>
    publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;

  api.post('/boards', async (req, res) => {
    const body = CreateBoardBody.safeParse(req.body ?? {});
    if (!body.success) return zodError(res, body.error);
    if (!(await limits.take('boardsPerAddress', address(req)))) {
      return sendError(
        res,
        ErrorCode.RateLimited,
        'too many boards from this address; wait a while',
      );
    }
    const now = Date.now();
    const doc = new Y.Doc();
    const groups =
      body.data.groups === undefined
        ? defaultGroups()
        : body.data.groups.map((label, i) => ({ id: `g${i + 1}`, label }));
    initBoardDoc(doc, {
      title: body.data.title,
      template: body.data.template,
      now,
      schemaVersion: BOARD_SCHEMA_VERSION,
      mode: body.data.mode,
      groups,
      groupThreshold: body.data.groupThreshold,
      build: buildTemplate(
        body.data.template,
        body.data.locale,
        { x: 0, y: 0 },
        body.data.stations,
      ),
      ...(body.data.template === 'stations'
        ? { stationAssignment: body.data.assignment ?? 'balanced' }
        : {}),
    });
    const created = await insertBoard(
      req,
      body.data.title,
      body.data.template,
      Y.encodeStateAsUpdate(doc),
    );
    doc.destroy();
    if (!created)
      return sendError(res, ErrorCode.Unavailable, 'could not allocate a join code; retry');
    res.status(201).json(created);
  });

  api.get('/boards/:code', async (req, res) => {
    const board = await boardByCode(req, res);
    if (!board) return;
    const meta = readMeta((await registry.get(board.id)).doc);
    res.json({
      boardId: board.id,
      code: board.code,
      title: meta.title,
      mode: meta.mode,
      groups: meta.groups,
    });
  });

  api.post('/boards/:code/join', async (req, res) => {
    const body = JoinBody.safeParse(req.body ?? {});
    if (!body.success) return zodError(res, body.error);
    if (!(await limits.take('joinsPerAddress', address(req)))) {
      return sendError(
        res,
        ErrorCode.RateLimited,
        'too many joins from this address; wait a minute',
      );
    }
    const board = await boardByCode(req, res);
    if (!board) return;
    if (!(await limits.take('joinsPerBoard', board.id)))
      return sendError(res, ErrorCode.RateLimited, 'too many joins; wait a minute');
    const live = await registry.get(board.id);
    const named = readMeta(live.doc).mode === 'named';
    const token = newSecret();
    const participantId = randomId(20);
    const joined = await live.join({
      id: participantId,
      boardId: board.id,
      tokenHash: hashSecret(token),
      // On anonymous boards no name is kept at all.
      displayName: named && body.data.name ? body.data.name : null,
      groupId: body.data.group ?? null,
      stationId: null,
      createdAt: Date.now(),
      revokedAt: null,
    });
    if (!joined.ok) return sendError(res, joined.error.code, joined.error.message);
    res.json({
      boardId: board.id,
      code: board.code,
      participantId,
      token,
      group: body.data.group ?? null,
    });
  });

  addExportRoutes(api, { storage, registry, exporter });

  /**
   * Sends an error without reading the body, and closes the connection after it so the unread
   * upload is not taken in.
   */
  function refuseUpload(req: Request, res: Response, code: ErrorCode, message: string): void {
    res.setHeader('Connection', 'close');
    sendError(res, code, message);
    req.pause();
  }

  api.post('/boards/import', async (req, res) => {
    // The budget is taken before a byte is read: a refused file costs as much as an accepted one,
    // so parsing cannot be had for free.
    if (!(await limits.take('boardsPerAddress', address(req))))
      return refuseUpload(
        req,
        res,
        ErrorCode.RateLimited,
        'too many boards from this address; wait a while',
      );
    if (!req.is('application/json'))
      return refuseUpload(req, res, ErrorCode.InvalidMessage, 'body must be application/json');
    const encoding = req.get('content-encoding');
    if (encoding && encoding !== 'identity')
      return refuseUpload(req, res, ErrorCode.InvalidMessage, 'body must not be encoded');
    let ticket;
    try {
      ticket = importer.admit(address(req));
    } catch (err) {
      if (err instanceof ImportPerAddressError)
        return refuseUpload(req, res, ErrorCode.RateLimited, err.message);
      if (err instanceof ImportBusyError)
        return refuseUpload(req, res, ErrorCode.Unavailable, err.message);
      throw err;
    }
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    try {
      const bytes = await readBody(req, MAX_IMPORT_BYTES, IMPORT_UPLOAD_TIMEOUT_MS);
      const parsed = await ticket.parse(bytes, gone.signal);
      const created = await insertBoard(req, parsed.title, parsed.template, parsed.update);
      if (!created)
        return sendError(res, ErrorCode.Unavailable, 'could not allocate a join code; retry');
      res.status(201).json(created);
    } catch (err) {
      if (err instanceof BodyTooLargeError)
        refuseUpload(req, res, ErrorCode.MessageTooLarge, err.message);
      else if (err instanceof ImportTooCostlyError)
        sendError(res, ErrorCode.MessageTooLarge, err.message);
      else if (err instanceof ImportInvalidError)
        sendError(res, ErrorCode.InvalidMessage, err.message);
      else if (err instanceof BodyIncompleteError) {
        if (!res.destroyed) refuseUpload(req, res, ErrorCode.InvalidMessage, err.message);
      } else throw err;
    } finally {
      ticket.release();
    }
  });

  api.use((_req, res) => sendError(res, ErrorCode.NotFound, 'no such endpoint'));
  api.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; limit?: number };
    // The limit of the parser that refused the body: routes differ.
    if (e.type === 'entity.too.large')
      return sendError(
        res,
        ErrorCode.MessageTooLarge,
        `body over ${e.limit ?? MAX_HTTP_BODY_BYTES} bytes`,
      );
    if (e.type === 'entity.parse.failed')
      return sendError(res, ErrorCode.InvalidMessage, 'body is not valid JSON');
    if (e.status && e.status >= 400 && e.status < 500)
      return sendError(res, ErrorCode.InvalidMessage, 'bad request');
    log.error('request failed', { err });
    sendError(res, ErrorCode.Internal, 'unexpected server error');
  });
  return api;
}
