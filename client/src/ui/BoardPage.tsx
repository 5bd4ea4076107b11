/**
 * The page of a board: finds the board and the credentials to join it with (a saved session, or
 * the key in the address), then shows it live.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorCode, Role } from '@pajataulu/shared';
import { ApiError, boardInfo } from '../api.js';
import { navigate } from '../routes.js';
import {
  savedFacilitatorKey,
  savedSession,
  saveFacilitatorKey,
  savedProjectorKey,
  saveProjectorKey,
} from '../saved.js';
import { BoardScreen, type Resolved } from './board/BoardScreen.js';

export function BoardPage({
  code,
  role,
  urlKey,
}: {
  code: string;
  role: Role;
  urlKey?: string | undefined;
}) {
  const { t } = useTranslation();
  // What can be known without asking the server: a saved session, or the key in the address.
  const key =
    role === 'facilitator'
      ? (urlKey ?? savedFacilitatorKey(code))
      : role === 'projector'
        ? (urlKey ?? savedProjectorKey(code))
        : undefined;
  const session = role === 'participant' ? savedSession(code) : undefined;
  const [resolved, setResolved] = useState<Resolved | undefined>(() =>
    session ? { boardId: session.boardId, creds: { token: session.token } } : undefined,
  );
  const [fatal, setFatal] = useState<ErrorCode | 'network' | undefined>(() =>
    role !== 'participant' && !key ? 'unauthorized' : undefined,
  );

  useEffect(() => {
    if (role === 'participant') {
      if (!savedSession(code)) navigate(`/j/${code}`);
      return;
    }
    if (!key) return;
    if (role === 'facilitator') saveFacilitatorKey(code, key);
    else saveProjectorKey(code, key);
    // The address bar is on screen whenever a board is shared to a meeting: once the key is kept
    // in this browser, it leaves the address. Where storage is off, it stays, or a reload fails.
    const kept = role === 'facilitator' ? savedFacilitatorKey(code) : savedProjectorKey(code);
    if (kept === key && location.hash) {
      history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    }
    boardInfo(code).then(
      (info) =>
        setResolved({
          boardId: info.boardId,
          creds: role === 'facilitator' ? { facilitatorKey: key } : { projectorKey: key },
        }),
      (err: unknown) => setFatal(err instanceof ApiError ? err.code : 'internal'),
    );
  }, [code, role, key]);

  if (fatal) {
    return (
      <main className="page narrow">
        <p className="error" role="alert">
          {t(`errors.${fatal}`)}
        </p>
        <button className="primary" onClick={() => navigate('/')}>
          {t('notFound.home')}
        </button>
      </main>
    );
  }
  if (!resolved) return <main className="page narrow">{t('status.connecting')}</main>;
  return (
    <BoardScreen
      key={JSON.stringify(resolved.creds)}
      code={code}
      role={role}
      resolved={resolved}
      onKey={(k) => setResolved({ ...resolved, creds: { facilitatorKey: k } })}
    />
  );
}
