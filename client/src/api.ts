/** The HTTP API, with typed errors. */
import {
  isErrorCode,
  type ErrorCode,
  type RoleGroup,
  type BoardMode,
  type TemplateKind,
  type Locale,
} from '@pajataulu/shared';

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | 'network',
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      headers: { 'content-type': 'application/json', ...init?.headers },
    });
  } catch {
    throw new ApiError('network', 'network error');
  }
  const body = (await res.json().catch(() => ({}))) as {
    error?: { code?: unknown; message?: string };
  };
  if (!res.ok) {
    const code = body.error?.code;
    throw new ApiError(
      isErrorCode(code) ? code : 'internal',
      body.error?.message ?? res.statusText,
    );
  }
  return body as T;
}

export interface CreatedBoard {
  boardId: string;
  code: string;
  facilitatorKey: string;
  projectorKey: string;
  links: { participant: string; facilitator: string; projector: string };
}

export function createBoard(input: {
  title: string;
  template: TemplateKind;
  mode: BoardMode;
  locale: Locale;
  stations?: number;
}): Promise<CreatedBoard> {
  return call('/api/boards', { method: 'POST', body: JSON.stringify(input) });
}

export interface BoardInfo {
  boardId: string;
  code: string;
  title: string;
  mode: BoardMode;
  groups: RoleGroup[];
}

export function boardInfo(code: string): Promise<BoardInfo> {
  return call(`/api/boards/${encodeURIComponent(code)}`);
}

export interface Joined {
  boardId: string;
  code: string;
  participantId: string;
  token: string;
}

export function joinBoard(
  code: string,
  body: { name?: string; group?: string | null },
): Promise<Joined> {
  return call(`/api/boards/${encodeURIComponent(code)}/join`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
}
