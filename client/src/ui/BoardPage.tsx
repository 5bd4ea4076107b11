/**
 * A board, for a participant, a facilitator or a projector: the canvas, the top bar with the code,
 * presence and connection status, and the tools the role may use.
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import {
  canEver,
  formatJoinCode,
  newSecret,
  NOTE_SIZE,
  randomId,
  type ErrorCode,
  type Role,
} from '@pajataulu/shared';
import { ApiError, boardInfo } from '../api.js';
import { BoardConnection, type ConnectionState } from '../board/connection.js';
import type { ViewNote } from '../board/overlay.js';
import { localQueueStore, MEMORY_STORE } from '../board/queue.js';
import { ProviderChannel, SocketChannel, type Credentials } from '../board/transport.js';
import {
  contentBounds,
  fit,
  toScreen,
  toWorld,
  zoomAt,
  ZOOM_STEP,
  type View,
} from '../board/view.js';
import { navigate } from '../routes.js';
import {
  queueKey,
  savedFacilitatorKey,
  savedSession,
  saveFacilitatorKey,
  saveSession,
} from '../saved.js';
import { Canvas } from './Canvas.js';
import { FacilitatorPanel } from './FacilitatorPanel.js';
import { LanguageSwitcher } from './LanguageSwitcher.js';
import { NoteEditor } from './NoteEditor.js';
import { PromptEditor } from './PromptEditor.js';

/** Below this width the editor docks to the top and panels cover the board. */
const COMPACT_WIDTH = 640;
/** A new note is zoomed to at least this scale, so it can be read while typing. */
const READABLE_SCALE = 0.8;
/** Space between a new prompt and the content beside it, and a new prompt's size. */
const PROMPT_GAP = 80;
const NEW_PROMPT_W = 600;
const NEW_PROMPT_H = 500;
/** How long a refusal stays on screen. */
const TOAST_MS = 4_000;

interface Resolved {
  boardId: string;
  creds: Credentials;
}

function useSize(ref: React.RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() =>
      setSize({ width: el.clientWidth, height: el.clientHeight }),
    );
    ro.observe(el);
    setSize({ width: el.clientWidth, height: el.clientHeight });
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

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
  const key = role === 'facilitator' ? (urlKey ?? savedFacilitatorKey(code)) : urlKey;
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
    <LiveBoard
      key={JSON.stringify(resolved.creds)}
      code={code}
      role={role}
      resolved={resolved}
      onKey={(k) => setResolved({ ...resolved, creds: { facilitatorKey: k } })}
    />
  );
}

function LiveBoard({
  code,
  role,
  resolved,
  onKey,
}: {
  code: string;
  role: Role;
  resolved: Resolved;
  onKey: (key: string) => void;
}) {
  const { t } = useTranslation();
  const conn = useMemo(() => {
    const store = role === 'projector' ? MEMORY_STORE : localQueueStore(queueKey(code, role));
    return new BoardConnection({ store });
  }, [code, role]);
  useEffect(() => {
    conn.attach(
      new SocketChannel(resolved.boardId, resolved.creds),
      new ProviderChannel(resolved.boardId, resolved.creds, conn.doc),
    );
    return () => conn.close();
  }, [conn, resolved]);
  const state: ConnectionState = useSyncExternalStore(conn.subscribe, conn.getState);

  const stageBox = useRef<HTMLDivElement>(null);
  const { width, height } = useSize(stageBox);
  const compact = width > 0 && width < COMPACT_WIDTH;
  // Until the user pans or zooms, the view fits the content (and always does on a projector).
  const [userView, setView] = useState<View | null>(null);
  const [editing, setEditing] = useState<{ kind: 'note' | 'prompt'; id: string } | null>(null);
  const [panel, setPanel] = useState(role === 'facilitator' && !compact);

  const board = state.board;
  const facilitator = role === 'facilitator';
  const projector = role === 'projector';

  const autoView = useMemo(
    () => fit(contentBounds(board.prompts, board.notes), width, height),
    [board.prompts, board.notes, width, height],
  );
  const view = (!projector && userView) || autoView;
  const doFit = () => setView(null);

  // A refusal shows until it is TOAST_MS old.
  const [dismissedAt, setDismissedAt] = useState(0);
  const lastError = state.lastError;
  useEffect(() => {
    if (!lastError) return;
    const timer = setTimeout(() => setDismissedAt(lastError.at), TOAST_MS);
    return () => clearTimeout(timer);
  }, [lastError]);
  const toast = lastError && lastError.at > dismissedAt ? t(`errors.${lastError.code}`) : undefined;

  // Read-only window into the replica, for end-to-end tests and debugging. It cannot write.
  useEffect(() => {
    (window as unknown as { __pajataulu?: unknown }).__pajataulu = {
      notes: () => conn.getState().board.notes.map((n) => ({ ...n })),
      prompts: () => conn.getState().board.prompts.map((p) => ({ ...p })),
      status: () => conn.getState().status,
      synced: () => conn.getState().synced,
      stageToScreen: (p: { x: number; y: number }) => {
        const box = stageBox.current?.getBoundingClientRect();
        const s = toScreen(view, p);
        return { x: s.x + (box?.left ?? 0), y: s.y + (box?.top ?? 0) };
      },
    };
  });

  const canEdit = (n: ViewNote) =>
    facilitator || (role === 'participant' && state.own.has(n.id) && !board.meta.locked);
  const groupLabels = useMemo(
    () => new Map(board.meta.groups.map((g) => [g.id, g.label])),
    [board.meta.groups],
  );
  const waitingTotal = board.meta.waiting + board.prompts.reduce((s, p) => s + p.waiting, 0);

  function addNoteAt(at: { x: number; y: number }) {
    if (!canEver(role, 'note.add')) return;
    const id = randomId(20);
    conn.run({ type: 'note.add', id, x: at.x, y: at.y, text: '' });
    // Bring a note added from far out close enough to read and type into.
    if (view.scale < READABLE_SCALE) {
      setView(
        zoomAt(
          view,
          READABLE_SCALE / view.scale,
          toScreen(view, { x: at.x + NOTE_SIZE / 2, y: at.y + NOTE_SIZE / 2 }),
        ),
      );
    }
    setEditing({ kind: 'note', id });
  }

  function addNoteInView() {
    const c = toWorld(view, { x: width / 2, y: height / 2 });
    // A little scatter, so notes added one after another do not hide each other.
    const jitter = () => Math.round((Math.random() - 0.5) * NOTE_SIZE * 0.6);
    addNoteAt({
      x: Math.round(c.x - NOTE_SIZE / 2) + jitter(),
      y: Math.round(c.y - NOTE_SIZE / 2) + jitter(),
    });
  }

  function addPrompt() {
    // Beside what is there already, so a new area never covers another.
    const bounds = contentBounds(board.prompts, board.notes);
    const c = toWorld(view, { x: width / 2, y: height / 2 });
    const at = bounds
      ? { x: bounds.x + bounds.w + PROMPT_GAP, y: bounds.y }
      : { x: c.x - NEW_PROMPT_W / 2, y: c.y - NEW_PROMPT_H / 2 };
    const id = randomId(20);
    const rect = { x: Math.round(at.x), y: Math.round(at.y), w: NEW_PROMPT_W, h: NEW_PROMPT_H };
    conn.run({ type: 'prompt.add', id, title: t('board.newPrompt'), ...rect });
    setView(fit(rect, width, height, 60, 1));
    setEditing({ kind: 'prompt', id });
  }

  const editingNote =
    editing?.kind === 'note' ? board.notes.find((n) => n.id === editing.id) : undefined;
  const editingPrompt =
    editing?.kind === 'prompt' ? board.prompts.find((p) => p.id === editing.id) : undefined;

  if (state.status === 'removed' || state.status === 'refused') {
    if (state.status === 'removed' || state.refusal === 'unauthorized') saveSession(code, null);
    return (
      <main className="page narrow">
        <p className="error" role="alert" data-testid="refused">
          {state.status === 'removed'
            ? t('status.removed')
            : t(`errors.${state.refusal ?? 'unauthorized'}`)}
        </p>
        <button className="primary" onClick={() => navigate('/')}>
          {t('notFound.home')}
        </button>
      </main>
    );
  }

  const statusText =
    state.status === 'online'
      ? state.queued > 0
        ? t('status.queued', { count: state.queued })
        : t('status.online')
      : state.status === 'offline'
        ? `${t('status.offline')}${state.queued > 0 ? ` · ${t('status.queued', { count: state.queued })}` : ''}`
        : t('status.connecting');

  return (
    <div className={`board-page${projector ? ' projector' : ''}`}>
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
            {t('board.participants', { count: state.presence.participants })}
          </span>
          {!projector && (
            <span
              className={`status status-${state.status}`}
              data-testid="connection-status"
              role="status"
            >
              {statusText}
            </span>
          )}
          {!projector && <LanguageSwitcher />}
          {facilitator && (
            <button
              type="button"
              onClick={() => setPanel((v) => !v)}
              aria-expanded={panel}
              data-testid="open-panel"
            >
              {t('facilitator.panel')}
            </button>
          )}
        </div>
      </header>
      {(board.meta.privateWriting || board.prompts.some((p) => p.privateWriting)) &&
        role === 'participant' && <p className="banner">{t('board.privateBanner')}</p>}
      {board.meta.locked && !facilitator && (
        <p className="banner warn">{t('board.lockedBanner')}</p>
      )}
      <div className="board-main">
        <div className="stage-box" ref={stageBox}>
          {width > 0 && (
            <Canvas
              board={board}
              own={state.own}
              view={view}
              onView={setView}
              width={width}
              height={height}
              facilitator={facilitator}
              readOnly={projector}
              groupLabels={groupLabels}
              canEdit={canEdit}
              onAddNoteAt={projector || (board.meta.locked && !facilitator) ? undefined : addNoteAt}
              onOpenNote={(id) => {
                const n = board.notes.find((x) => x.id === id);
                if (n && canEdit(n)) setEditing({ kind: 'note', id });
              }}
              onMoveNote={(id, x, y) => conn.run({ type: 'note.move', id, x, y })}
              onMovePrompt={(id, x, y) => conn.run({ type: 'prompt.update', id, x, y })}
              onResizePrompt={(id, w, h) => conn.run({ type: 'prompt.update', id, w, h })}
              onOpenPrompt={facilitator ? (id) => setEditing({ kind: 'prompt', id }) : undefined}
              pointer={facilitator ? undefined : state.pointer}
              onPointer={
                facilitator
                  ? (p) =>
                      conn.pointer(p ? { ...p, visible: true } : { x: 0, y: 0, visible: false })
                  : undefined
              }
            />
          )}
          {state.synced && board.notes.length === 0 && board.prompts.length === 0 && !projector && (
            <div className="empty-hint">
              <p>{t('board.empty')}</p>
              <p className="muted">{t('board.emptyHint')}</p>
            </div>
          )}
          {!projector && (
            <div className="toolbar" role="toolbar" aria-label={t('board.canvas')}>
              {canEver(role, 'note.add') && (
                <button
                  type="button"
                  className="primary"
                  data-testid="add-note"
                  onClick={addNoteInView}
                  disabled={board.meta.locked && !facilitator}
                >
                  + {t('board.addNote')}
                </button>
              )}
              {facilitator && (
                <button type="button" data-testid="add-prompt" onClick={addPrompt}>
                  + {t('board.addPrompt')}
                </button>
              )}
              <button
                type="button"
                data-testid="zoom-out"
                aria-label={t('board.zoomOut')}
                onClick={() =>
                  setView(zoomAt(view, 1 / ZOOM_STEP, { x: width / 2, y: height / 2 }))
                }
              >
                −
              </button>
              <button
                type="button"
                data-testid="zoom-in"
                aria-label={t('board.zoomIn')}
                onClick={() => setView(zoomAt(view, ZOOM_STEP, { x: width / 2, y: height / 2 }))}
              >
                +
              </button>
              <button
                type="button"
                data-testid="zoom-fit"
                aria-label={t('board.zoomFit')}
                onClick={doFit}
              >
                ⤢
              </button>
            </div>
          )}
          {editingNote && (
            <NoteEditor
              key={editingNote.id}
              note={editingNote}
              view={view}
              compact={compact}
              canDelete={canEdit(editingNote)}
              moderation={
                facilitator
                  ? {
                      hide: () => {
                        conn.run({ type: 'note.hide', id: editingNote.id });
                        setEditing(null);
                      },
                      unhide: () => {
                        conn.run({ type: 'note.unhide', id: editingNote.id });
                        setEditing(null);
                      },
                      removeAuthor: state.own.has(editingNote.id)
                        ? undefined
                        : () => {
                            if (window.confirm(t('facilitator.removeConfirm'))) {
                              conn.run({ type: 'participant.remove', noteId: editingNote.id });
                              setEditing(null);
                            }
                          },
                    }
                  : undefined
              }
              onSave={(text, color) => {
                if (text !== editingNote.text || color !== editingNote.color) {
                  conn.run({ type: 'note.update', id: editingNote.id, text, color });
                }
                setEditing(null);
              }}
              onDelete={() => {
                conn.run({ type: 'note.delete', id: editingNote.id });
                setEditing(null);
              }}
              onClose={() => setEditing(null)}
            />
          )}
          {editingPrompt && (
            <PromptEditor
              key={editingPrompt.id}
              prompt={editingPrompt}
              onSave={(title) => {
                if (title.trim() && title !== editingPrompt.title)
                  conn.run({ type: 'prompt.update', id: editingPrompt.id, title: title.trim() });
                setEditing(null);
              }}
              onToggleLock={() =>
                conn.run({
                  type: 'prompt.update',
                  id: editingPrompt.id,
                  locked: !editingPrompt.locked,
                })
              }
              onTogglePrivate={() =>
                conn.run({
                  type: 'prompt.update',
                  id: editingPrompt.id,
                  privateWriting: !editingPrompt.privateWriting,
                })
              }
              onReveal={() => conn.run({ type: 'board.reveal', promptId: editingPrompt.id })}
              onDelete={() => {
                conn.run({ type: 'prompt.delete', id: editingPrompt.id });
                setEditing(null);
              }}
              onClose={() => setEditing(null)}
            />
          )}
        </div>
        {facilitator && panel && (
          <FacilitatorPanel
            meta={board.meta}
            code={code}
            facilitatorKey={'facilitatorKey' in resolved.creds ? resolved.creds.facilitatorKey : ''}
            waiting={waitingTotal}
            onTogglePrivate={() =>
              conn.run({ type: 'board.update', privateWriting: !board.meta.privateWriting })
            }
            onReveal={() => conn.run({ type: 'board.reveal' })}
            onToggleLock={() => conn.run({ type: 'board.update', locked: !board.meta.locked })}
            onRotateKey={() => {
              if (!window.confirm(t('facilitator.rotateConfirm'))) return;
              const key = newSecret();
              saveFacilitatorKey(code, key);
              conn.run({ type: 'board.rotateKey', key });
              history.replaceState(null, '', `/f/${code}#key=${key}`);
              setTimeout(() => onKey(key), 500);
            }}
            onClose={() => setPanel(false)}
          />
        )}
      </div>
      {projector && (
        <div className="projector-code">
          <span>{location.host}</span>
          <strong>{formatJoinCode(code)}</strong>
        </div>
      )}
      {toast && (
        <div className="toast" role="alert">
          {toast}
        </div>
      )}
    </div>
  );
}
