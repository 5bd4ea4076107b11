/** Typed error responses of the HTTP API: `{ error: { code, message } }` with a status. */
import type { Response } from 'express';
import type { z } from 'zod';
import { ErrorCode, type ProtocolError } from '@pajataulu/shared';

const STATUS: Record<ErrorCode, number> = {
  [ErrorCode.InvalidMessage]: 400,
  [ErrorCode.UnknownCommand]: 400,
  [ErrorCode.InvalidCommand]: 400,
  [ErrorCode.TextTooLong]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.BoardNotFound]: 404,
  [ErrorCode.AlreadyExists]: 409,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.Locked]: 423,
  [ErrorCode.RoundClosed]: 409,
  [ErrorCode.VoteBudget]: 409,
  [ErrorCode.NotVotable]: 409,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.LimitReached]: 409,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.MessageTooLarge]: 413,
  [ErrorCode.ExportTooLarge]: 413,
  [ErrorCode.ProtocolMismatch]: 426,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.Internal]: 500,
};

/** Sends a typed error. */
export function sendError(
  res: Response,
  code: ErrorCode,
  message: string,
  extra: Pick<ProtocolError, 'maxScale'> = {},
): void {
  const error: ProtocolError = { code, message, ...extra };
  res.status(STATUS[code]).json({ error });
}

/** Sends the first issue of a body or query that failed validation. */
export function zodError(res: Response, e: z.ZodError): void {
  const first = e.issues[0];
  const field = first?.path.join('.') ?? '';
  if (first?.code === 'too_big' && (field === 'title' || field === 'name')) {
    sendError(res, ErrorCode.TextTooLong, `${field}: ${first.message}`);
    return;
  }
  sendError(res, ErrorCode.InvalidMessage, `${field || '(body)'}: ${first?.message ?? 'invalid'}`);
}
