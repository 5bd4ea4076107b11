/** The board's top bar: title, join code, presence, timer, connection status and the view tools. */
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { formatJoinCode, readBoard } from '@pajataulu/shared';
import type { ConnectionState } from '../../board/connection.js';
import { taggedGroups } from '../../board/derive.js';
import { LanguageSwitcher } from '../LanguageSwitcher.js';
import { SaveImage } from '../SaveImage.js';
import { TimerDisplay } from '../Timer.js';
import { useBoard, useBoardStore } from './use-board.js';

export function BoardBar({ code }: { code: string }) {
  const { t } = useTranslation();
  const store = useBoardStore();
  const s = useBoard();
  const { board } = s.connection;
  const { projector, facilitator } = store;
  const serverNow = useCallback(() => store.conn.now(), [store]);
  const groups = taggedGroups(board.meta);
  return (
    <header className="board-bar">
      <div className="bar-left">
        <span className="logo" aria-hidden="true" />
        <h1 className="board-title">{board.meta.title}</h1>
      </div>
      <div className="bar-right">
        <span className="code-chip" aria-label={t('board.code')}>
          {formatJoinCode(code)}
        </span>
        <span className="presence" data-testid="participant-count">
          {t('board.participants', { count: s.connection.presence.participants })}
        </span>
        <TimerDisplay timer={board.meta.timer} serverNow={serverNow} large={projector} />
        {!projector && <ConnectionStatus state={s.connection} />}
        {!projector && groups.length > 0 && (
          <>
            <select
              aria-label={t('board.groupFilter')}
              value={s.filterGroup ?? ''}
              onChange={(e) => store.setFilterGroup(e.target.value || undefined)}
              className="compact-select"
            >
              <option value="">{t('board.allGroups')}</option>
              {groups.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.label}
                </option>
              ))}
            </select>
            <label className="check inline">
              <input
                type="checkbox"
                checked={s.colorByGroup}
                onChange={(e) => store.setColorByGroup(e.target.checked)}
              />
              {t('board.colorByGroup')}
            </label>
          </>
        )}
        {!projector && (
          <button
            type="button"
            data-testid="toggle-list"
            aria-pressed={s.listMode}
            onClick={store.toggleList}
          >
            {s.listMode ? t('list.showCanvas') : t('list.showList')}
          </button>
        )}
        {!projector && !s.compact && (
          <button
            type="button"
            aria-label={t('shortcuts.open')}
            data-testid="open-help"
            onClick={store.openHelp}
          >
            ?
          </button>
        )}
        {!projector && !facilitator && board.meta.participantExport && (
          <SaveImage code={code} read={() => readBoard(store.conn.doc)} />
        )}
        {!projector && <LanguageSwitcher short />}
        {facilitator && (
          <button
            type="button"
            onClick={store.togglePanel}
            aria-expanded={s.panel}
            data-testid="open-panel"
          >
            {t('facilitator.tools')}
          </button>
        )}
      </div>
    </header>
  );
}

/** Online, offline or connecting, and how many commands wait to be sent. */
function ConnectionStatus({ state }: { state: ConnectionState }) {
  const { t } = useTranslation();
  const text =
    state.status === 'online'
      ? state.queued > 0
        ? t('status.queued', { count: state.queued })
        : t('status.online')
      : state.status === 'offline'
        ? t('status.offline')
        : t('status.connecting');
  // Offline, the count goes beside the state (hidden on phones, where the banner says it).
  const detail =
    state.status === 'offline' && state.queued > 0
      ? t('status.queued', { count: state.queued })
      : undefined;
  return (
    <span className={`status status-${state.status}`} data-testid="connection-status" role="status">
      <span className="status-dot" aria-hidden="true" />
      <span className="status-text">{text}</span>
      {detail && <span className="status-detail"> · {detail}</span>}
    </span>
  );
}
