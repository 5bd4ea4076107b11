/**
 * The HTTP API: create a board, look one up by its join code, join it as a participant.
 * Bodies are validated with zod; every error is `{ error: { code, message } }` with a status.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import * as Y from 'yjs';
import { z } from 'zod';
import {
  BOARD_SCHEMA_VERSION,
  ErrorCode,
  initBoardDoc,
  MAX_BOARD_TITLE_LENGTH,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_HTTP_BODY_BYTES,
  newJoinCode,
  newSecret,
  normalizeJoinCode,
  normalizeText,
  randomId,
  TEMPLATES,
  type ProtocolError,
} from '@pajataulu/shared';
import { hashSecret } from '../crypto.js';
import { createLogger } from '../log.js';
import { JoinCodeTakenError, type Storage } from '../storage/storage.js';

const log = createLogger('http');

/** Attempts at drawing a free join code before giving up. */
export const JOIN_CODE_ATTEMPTS = 8;

const CreateBoardBody = z.strictObject({
  title: z
    .string()
    .transform((s) => normalizeText(s).trim())
    .pipe(z.string().min(1).max(MAX_BOARD_TITLE_LENGTH)),
  template: z.enum(TEMPLATES).default('blank'),
});

const JoinBody = z.strictObject({
  name: z
    .string()
    .transform((s) => normalizeText(s).trim())
    .pipe(z.string().max(MAX_DISPLAY_NAME_LENGTH))
    .optional(),
});

const STATUS: Record<ErrorCode, number> = {
  [ErrorCode.InvalidMessage]: 400,
  [ErrorCode.UnknownCommand]: 400,
  [ErrorCode.InvalidCommand]: 400,
  [ErrorCode.TextTooLong]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.BoardNotFound]: 404,
  [ErrorCode.AlreadyExists]: 409,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.LimitReached]: 409,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.MessageTooLarge]: 413,
  [ErrorCode.ProtocolMismatch]: 426,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.Internal]: 500,
};

/** Sends a typed error. */
export function sendError(res: Response, code: ErrorCode, message: string): void {
  const error: ProtocolError = { code, message };
  res.status(STATUS[code]).json({ error });
}

function zodError(res: Response, e: z.ZodError): void {
  const first = e.issues[0];
  const field = first?.path.join('.') ?? '';
  if (first?.code === 'too_big' && (field === 'title' || field === 'name')) {
    sendError(res, ErrorCode.TextTooLong, `${field}: ${first.message}`);
    return;
  }
  sendError(res, ErrorCode.InvalidMessage, `${field || '(body)'}: ${first?.message ?? 'invalid'}`);
}

export interface ApiOptions {
  storage: Storage;
  /** The origin to put in links, or undefined to use the request's. */
  publicUrl: string | undefined;
}

/** The `/api` router. */
export function createApi({ storage, publicUrl }: ApiOptions): Router {
  const api = express.Router();
  api.use(express.json({ limit: MAX_HTTP_BODY_BYTES, strict: true }));

  const origin = (req: Request) =>
    publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;

  api.post('/boards', async (req, res) => {
    const body = CreateBoardBody.safeParse(req.body ?? {});
    if (!body.success) return zodError(res, body.error);
    const now = Date.now();
    const doc = new Y.Doc();
    initBoardDoc(doc, {
      title: body.data.title,
      template: body.data.template,
      now,
      schemaVersion: BOARD_SCHEMA_VERSION,
    });
    const initial = Y.encodeStateAsUpdate(doc);
    doc.destroy();
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
            title: body.data.title,
            template: body.data.template,
            createdAt: now,
            facilitatorKeyHash: hashSecret(facilitatorKey),
            projectorKeyHash: hashSecret(projectorKey),
          },
          initial,
        );
      } catch (err) {
        if (err instanceof JoinCodeTakenError) continue;
        throw err;
      }
      const o = origin(req);
      log.info('board created', { board: id });
      res.status(201).json({
        boardId: id,
        code,
        facilitatorKey,
        projectorKey,
        links: {
          participant: `${o}/j/${code}`,
          facilitator: `${o}/f/${code}#key=${facilitatorKey}`,
          projector: `${o}/p/${code}#key=${projectorKey}`,
        },
      });
      return;
    }
    sendError(res, ErrorCode.Unavailable, 'could not allocate a join code; retry');
  });

  api.get('/boards/:code', async (req, res) => {
    const code = normalizeJoinCode(req.params.code);
    const board = code ? await storage.getBoardByCode(code) : undefined;
    if (!board) return sendError(res, ErrorCode.BoardNotFound, 'no board with that code');
    res.json({ boardId: board.id, code: board.code, title: board.title });
  });

  api.post('/boards/:code/join', async (req, res) => {
    const body = JoinBody.safeParse(req.body ?? {});
    if (!body.success) return zodError(res, body.error);
    const code = normalizeJoinCode(req.params.code);
    const board = code ? await storage.getBoardByCode(code) : undefined;
    if (!board) return sendError(res, ErrorCode.BoardNotFound, 'no board with that code');
    const token = newSecret();
    const participantId = randomId(20);
    await storage.addParticipant({
      id: participantId,
      boardId: board.id,
      tokenHash: hashSecret(token),
      displayName: body.data.name ? body.data.name : null,
      createdAt: Date.now(),
      revokedAt: null,
    });
    res.json({ boardId: board.id, code: board.code, participantId, token });
  });

  api.use((_req, res) => sendError(res, ErrorCode.NotFound, 'no such endpoint'));
  api.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large')
      return sendError(res, ErrorCode.MessageTooLarge, `body over ${MAX_HTTP_BODY_BYTES} bytes`);
    if (e.type === 'entity.parse.failed')
      return sendError(res, ErrorCode.InvalidMessage, 'body is not valid JSON');
    if (e.status && e.status >= 400 && e.status < 500)
      return sendError(res, ErrorCode.InvalidMessage, 'bad request');
    log.error('request failed', { err });
    sendError(res, ErrorCode.Internal, 'unexpected server error');
  });
  return api;
}
