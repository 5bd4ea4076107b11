/**
 * Turns the credentials a connection presents into a {@link Session}, or the reason it is refused.
 * Both the command gateway and the sync endpoint use it, so both apply the same rules.
 */
import { ErrorCode, PROTOCOL_VERSION } from '@pajataulu/shared';
import { hashSecret, secretMatches } from '../crypto.js';
import type { Storage } from '../storage/storage.js';
import type { Session } from './session.js';

export interface Credentials {
  protocol: unknown;
  board: unknown;
  token?: unknown;
  facilitatorKey?: unknown;
  projectorKey?: unknown;
}

export type AuthResult =
  { ok: true; session: Session } | { ok: false; code: ErrorCode; message: string };

const BOARD_ID_PATTERN = /^[0-9a-z]{1,64}$/;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

function secret(v: unknown): string | undefined {
  return typeof v === 'string' && SECRET_PATTERN.test(v) ? v : undefined;
}

/** Checks protocol version, board and exactly one credential. */
export async function authenticate(storage: Storage, creds: Credentials): Promise<AuthResult> {
  if (Number(creds.protocol) !== PROTOCOL_VERSION) {
    return {
      ok: false,
      code: ErrorCode.ProtocolMismatch,
      message: `this server speaks protocol ${PROTOCOL_VERSION}`,
    };
  }
  if (typeof creds.board !== 'string' || !BOARD_ID_PATTERN.test(creds.board)) {
    return { ok: false, code: ErrorCode.BoardNotFound, message: 'no such board' };
  }
  const board = await storage.getBoard(creds.board);
  if (!board) return { ok: false, code: ErrorCode.BoardNotFound, message: 'no such board' };
  const base = { boardId: board.id, code: board.code };

  const given = [creds.facilitatorKey, creds.projectorKey, creds.token].filter(
    (c) => c !== undefined && c !== null,
  );
  if (given.length > 1)
    return { ok: false, code: ErrorCode.Unauthorized, message: 'give exactly one credential' };
  const facilitatorKey = secret(creds.facilitatorKey);
  if (facilitatorKey !== undefined) {
    return secretMatches(facilitatorKey, board.facilitatorKeyHash)
      ? { ok: true, session: { ...base, role: 'facilitator' } }
      : { ok: false, code: ErrorCode.Unauthorized, message: 'wrong facilitator key' };
  }
  const projectorKey = secret(creds.projectorKey);
  if (projectorKey !== undefined) {
    return secretMatches(projectorKey, board.projectorKeyHash)
      ? { ok: true, session: { ...base, role: 'projector' } }
      : { ok: false, code: ErrorCode.Unauthorized, message: 'wrong projector key' };
  }
  const token = secret(creds.token);
  if (token !== undefined) {
    const p = await storage.getParticipantByToken(board.id, hashSecret(token));
    if (!p || p.revokedAt !== null) {
      return { ok: false, code: ErrorCode.Unauthorized, message: 'unknown or revoked session' };
    }
    return { ok: true, session: { ...base, role: 'participant', participantId: p.id } };
  }
  return {
    ok: false,
    code: ErrorCode.Unauthorized,
    message: given.length ? 'malformed credential' : 'no credentials',
  };
}
