/**
 * A live board, for a participant, a facilitator or a projector: the store of the board on screen,
 * handed to the top bar, the banners, the stage and the facilitator's tools.
 */
import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role } from '@pajataulu/shared';
import { BoardConnection } from '../../board/connection.js';
import { localQueueStore, MEMORY_STORE } from '../../board/queue.js';
import { BoardStore } from '../../board/store.js';
import { ProviderChannel, SocketChannel, type Credentials } from '../../board/transport.js';
import { navigate } from '../../routes.js';
import { localSettings, queueKey, saveSession } from '../../saved.js';
import { ProjectorCorner } from '../ProjectorCorner.js';
import { ShortcutHelp } from '../ShortcutHelp.js';
import { Banners } from './Banners.js';
import { BoardBar } from './BoardBar.js';
import { FacilitatorTools } from './FacilitatorTools.js';
import { Stage } from './Stage.js';
import { BoardContext, useBoard, useBoardStore, useShortcuts } from './use-board.js';

/** A board the page found: its id and the credentials to connect with. */
export interface Resolved {
  boardId: string;
  creds: Credentials;
}

export interface BoardScreenProps {
  code: string;
  role: Role;
  resolved: Resolved;
  /** The facilitator key changed: connect again with `key`. */
  onKey: (key: string) => void;
}

export function BoardScreen(props: BoardScreenProps) {
  const { code, role, resolved } = props;
  const store = useMemo(() => {
    const queue = role === 'projector' ? MEMORY_STORE : localQueueStore(queueKey(code, role));
    return new BoardStore({
      conn: new BoardConnection({ store: queue }),
      role,
      settings: localSettings,
      screenWidth: window.innerWidth,
      prefersContrast: window.matchMedia?.('(prefers-contrast: more)').matches === true,
    });
  }, [code, role]);
  useEffect(() => {
    store.conn.attach(
      new SocketChannel(resolved.boardId, resolved.creds),
      new ProviderChannel(resolved.boardId, resolved.creds, store.conn.doc),
    );
    return () => store.close();
  }, [store, resolved]);
  useShortcuts(store);
  return (
    <BoardContext.Provider value={store}>
      <Screen {...props} />
    </BoardContext.Provider>
  );
}

function Screen({ code, resolved, onKey }: BoardScreenProps) {
  const { t } = useTranslation();
  const store = useBoardStore();
  const s = useBoard();
  const { status, refusal } = s.connection;
  const { facilitator, projector } = store;

  if (status === 'removed' || status === 'refused') {
    if (status === 'removed' || refusal === 'unauthorized') saveSession(code, null);
    return (
      <main className="page narrow">
        <p className="error" role="alert" data-testid="refused">
          {status === 'removed' ? t('status.removed') : t(`errors.${refusal ?? 'unauthorized'}`)}
        </p>
        <button className="primary" onClick={() => navigate('/')}>
          {t('notFound.home')}
        </button>
      </main>
    );
  }

  // A projector in a dim room: `?theme=dark` in its link.
  const dark = projector && new URLSearchParams(location.search).get('theme') === 'dark';
  return (
    <div
      className={`board-page${projector ? ' projector' : ''}${dark ? ' dark' : ''}${s.highContrast ? ' high-contrast' : ''}`}
    >
      <a className="skip-link" href="#board-main">
        {t('list.skip')}
      </a>
      <BoardBar code={code} />
      <Banners />
      <div className="board-main" id="board-main" tabIndex={-1}>
        <Stage />
        {facilitator && s.panel && (
          <FacilitatorTools
            code={code}
            boardId={resolved.boardId}
            creds={resolved.creds}
            onKey={onKey}
          />
        )}
      </div>
      {projector && <ProjectorCorner code={code} dark={dark} />}
      {s.help && (
        <ShortcutHelp
          onClose={store.closeHelp}
          highContrast={s.highContrast}
          onToggleContrast={store.toggleContrast}
        />
      )}
      {s.toast && (
        <div className="toast" role="alert">
          {t(`errors.${s.toast}`)}
        </div>
      )}
    </div>
  );
}
