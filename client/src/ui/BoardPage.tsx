/**
 * A board, for a participant, a facilitator or a projector: the canvas, the top bar with the code,
 * presence and connection status, and the tools the role may use.
 */
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import {
  canEver,
  formatJoinCode,
  newSecret,
  notesMoveCommands,
  notesUpdateCommands,
  MAX_LABEL_LENGTH,
  MAX_ZOOM,
  MIN_ZOOM,
  NOTE_SIZE,
  randomId,
  readBoard,
  type CommandInput,
  type ErrorCode,
  type NoteColor,
  NOTE_COLORS,
  type Role,
} from '@pajataulu/shared';
import { ApiError, boardInfo } from '../api.js';
import { BoardConnection, type ConnectionState } from '../board/connection.js';
import { UndoHistory } from '../board/history.js';
import type { ViewNote } from '../board/overlay.js';
import { localQueueStore, MEMORY_STORE } from '../board/queue.js';
import { ProviderChannel, SocketChannel, type Credentials } from '../board/transport.js';
import {
  contentBounds,
  fit,
  freeSpot,
  toScreen,
  toWorld,
  zoomAt,
  ZOOM_STEP,
  type View,
} from '../board/view.js';
import { currentLanguage } from '../i18n/index.js';
import { navigate } from '../routes.js';
import {
  queueKey,
  savedFacilitatorKey,
  savedSession,
  saveFacilitatorKey,
  savedProjectorKey,
  saveProjectorKey,
  saveSession,
} from '../saved.js';
import { Canvas } from './Canvas.js';
import { GROUP_FILL, NOTE_FILL } from './colors.js';
import { ExportSection } from './ExportSection.js';
import { FacilitatorPanel } from './FacilitatorPanel.js';
import { LanguageSwitcher } from './LanguageSwitcher.js';
import { ListView } from './ListView.js';
import { SaveImage } from './SaveImage.js';
import { ShortcutHelp } from './ShortcutHelp.js';
import { NoteEditor } from './NoteEditor.js';
import { NoteActions } from './NoteActions.js';
import { ProjectorCorner } from './ProjectorCorner.js';
import { PromptEditor } from './PromptEditor.js';
import { ResultsList } from './ResultsList.js';
import { TimerDisplay } from './Timer.js';
import { WorkshopControls } from './WorkshopControls.js';

/** Below this width the editor docks to the top and panels cover the board. */
const COMPACT_WIDTH = 640;
/** A new note is zoomed to at least this scale, so it can be read while typing. */
const READABLE_SCALE = 0.8;
/** Space between a new prompt and the content beside it, and a new prompt's size. */
const PROMPT_GAP = 80;
const NEW_PROMPT_W = 600;
const NEW_PROMPT_H = 500;
/** Where the high-contrast choice is remembered. */
const HIGH_CONTRAST_KEY = 'pajataulu:high-contrast';

function readSetting(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function writeSetting(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Not remembered; still applied on this page.
  }
}

/** How far an arrow key pans the canvas, in screen pixels. */
const PAN_STEP = 80;
/** Width of the screen a follow-me zoom is expressed for. */
const FOLLOW_REFERENCE_WIDTH = 1000;
/** Notes highlighted as the top of a voting round. */
const TOP_NOTES = 3;
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
  const [editing, setEditing] = useState<{
    kind: 'note' | 'prompt' | 'actions';
    id: string;
  } | null>(null);
  // Open beside the board on wide screens; on a phone it would cover the board.
  const [panel, setPanel] = useState(
    () => role === 'facilitator' && window.innerWidth >= COMPACT_WIDTH,
  );
  /** A note just added from this screen: cancelling its editor while it is empty removes it. */
  const [freshNote, setFreshNote] = useState<string>();

  const board = state.board;
  // Undo and redo of this user's own edits; the history lives as long as the page.
  const undoHistory = useMemo(() => new UndoHistory(), []);
  const [, setHistoryVersion] = useState(0);
  const act = useCallback(
    (c: CommandInput) => {
      undoHistory.record(c, conn.getState().board);
      conn.run(c);
      setHistoryVersion((v) => v + 1);
    },
    [conn, undoHistory],
  );
  const undo = useCallback(() => {
    for (const c of undoHistory.undo()) conn.run(c);
    setHistoryVersion((v) => v + 1);
  }, [conn, undoHistory]);
  const redo = useCallback(() => {
    for (const c of undoHistory.redo()) conn.run(c);
    setHistoryVersion((v) => v + 1);
  }, [conn, undoHistory]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z') return;
      const el = e.target as HTMLElement | null;
      if (el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable))
        return;
      e.preventDefault();
      if (e.shiftKey) redo();
      else undo();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [undo, redo]);
  // Notes a facilitator picked (Shift + click) for bulk moves, colours and clusters.
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  // The board as an accessible list instead of a canvas.
  // The list is the default on narrow screens (phones), where a canvas is hardest to use.
  const [listMode, setListMode] = useState(() => window.innerWidth < COMPACT_WIDTH);
  // High contrast: the browser's preference, or the user's choice, remembered.
  const [highContrast, setHighContrast] = useState(() => {
    const saved = readSetting(HIGH_CONTRAST_KEY);
    return saved === null
      ? window.matchMedia?.('(prefers-contrast: more)').matches === true
      : saved === '1';
  });
  const toggleContrast = () => {
    writeSetting(HIGH_CONTRAST_KEY, highContrast ? '0' : '1');
    setHighContrast(!highContrast);
  };
  const [clusterLabel, setClusterLabel] = useState('');
  const serverNow = useCallback(() => conn.now(), [conn]);
  const facilitator = role === 'facilitator';
  const projector = role === 'projector';
  // A projector in a dim room: `?theme=dark` in its link.
  const dark = projector && new URLSearchParams(location.search).get('theme') === 'dark';

  const autoView = useMemo(
    // A phone has no pixels to spare around the content.
    () => fit(contentBounds(board.prompts, board.notes), width, height, compact ? 12 : 40),
    [board.prompts, board.notes, width, height, compact],
  );
  // Follow-me: while the facilitator asks, everyone looks where they do, until they move away.
  const follow = board.meta.follow;
  const [awayFromSeq, setAwayFromSeq] = useState<number | null>(null);
  const following = !facilitator && follow.mode !== 'off' && awayFromSeq !== follow.seq;
  const followView = useMemo((): View | null => {
    if (!following || width === 0) return null;
    if (follow.mode === 'prompt') {
      const p = board.prompts.find((x) => x.id === follow.promptId);
      return p ? fit(p, width, height, 24, 2) : null;
    }
    // The facilitator's scale is sent for a 1000-pixel-wide screen; a phone gets the same area.
    const scale = (follow.zoom * width) / FOLLOW_REFERENCE_WIDTH;
    return { scale, x: width / 2 - follow.x * scale, y: height / 2 - follow.y * scale };
  }, [following, follow, board.prompts, width, height]);
  const view = projector ? (followView ?? autoView) : (followView ?? userView ?? autoView);
  const onView = (v: View | null) => {
    if (following) setAwayFromSeq(follow.seq);
    setView(v);
  };
  const doFit = () => onView(null);

  // A refusal shows until it is TOAST_MS old.
  const [dismissedAt, setDismissedAt] = useState(0);
  const lastError = state.lastError;
  useEffect(() => {
    if (!lastError) return;
    const timer = setTimeout(() => setDismissedAt(lastError.at), TOAST_MS);
    return () => clearTimeout(timer);
  }, [lastError]);
  const toast = lastError && lastError.at > dismissedAt ? t(`errors.${lastError.code}`) : undefined;

  const canEdit = (n: ViewNote) =>
    facilitator || (role === 'participant' && state.own.has(n.id) && !board.meta.locked);
  const [filterGroup, setFilterGroup] = useState<string>();
  const [colorByGroup, setColorByGroup] = useState(false);
  const groupFill = useMemo(
    () => new Map(board.meta.groups.map((g, i) => [g.id, GROUP_FILL[i % GROUP_FILL.length]!])),
    [board.meta.groups],
  );
  // Only groups that reached K have tags on notes; only they can be shown or coloured.
  const taggedGroups = board.meta.groups.filter((g) => board.meta.groupCounts[g.id] !== undefined);
  // Voting: the open round, or the latest closed one whose results are shown.
  const openRound = [...board.rounds].reverse().find((r) => r.state === 'open');
  const lastRound = openRound ?? board.rounds.at(-1);
  const shownRound =
    lastRound && (lastRound.state === 'closed' || lastRound.showTotals) ? lastRound : undefined;
  const myDots = openRound ? (state.myVotes[openRound.id] ?? {}) : {};
  const dotsLeft = openRound
    ? openRound.dots - Object.values(myDots).reduce((a, b) => a + b, 0)
    : 0;
  const topNotes = useMemo(() => {
    if (!shownRound || shownRound.state !== 'closed') return new Set<string>();
    const ranked = board.notes
      .filter((n) => (n.votes[shownRound.id] ?? 0) > 0)
      .sort((a, b) => (b.votes[shownRound.id] ?? 0) - (a.votes[shownRound.id] ?? 0));
    return new Set(ranked.slice(0, TOP_NOTES).map((n) => n.id));
  }, [board.notes, shownRound]);

  // Read-only window into the replica, for end-to-end tests and debugging. It cannot write.
  useEffect(() => {
    (window as unknown as { __pajataulu?: unknown }).__pajataulu = {
      notes: () => conn.getState().board.notes.map((n) => ({ ...n })),
      prompts: () => conn.getState().board.prompts.map((p) => ({ ...p })),
      status: () => conn.getState().status,
      synced: () => conn.getState().synced,
      top: () => [...topNotes],
      wheel: () => conn.getState().board.meta.wheel,
      stageToScreen: (p: { x: number; y: number }) => {
        const box = stageBox.current?.getBoundingClientRect();
        const s = toScreen(view, p);
        return { x: s.x + (box?.left ?? 0), y: s.y + (box?.top ?? 0) };
      },
    };
    return () => {
      delete (window as unknown as { __pajataulu?: unknown }).__pajataulu;
    };
  });

  const groupLabels = useMemo(
    () => new Map(board.meta.groups.map((g) => [g.id, g.label])),
    [board.meta.groups],
  );
  const clusterLabels = useMemo(
    () => new Map(board.clusters.map((c) => [c.id, c.label])),
    [board.clusters],
  );
  const myStation = state.station ? board.prompts.find((p) => p.id === state.station) : undefined;
  const lastClosed = [...board.rounds].reverse().find((r) => r.state === 'closed');
  const waitingTotal = board.meta.waiting + board.prompts.reduce((s, p) => s + p.waiting, 0);

  function addNoteAt(at: { x: number; y: number }) {
    if (!canEver(role, 'note.add')) return;
    const id = randomId(20);
    act({ type: 'note.add', id, x: at.x, y: at.y, text: '' });
    // Bring a note added from far out close enough to read and type into.
    if (view.scale < READABLE_SCALE) {
      onView(
        zoomAt(
          view,
          READABLE_SCALE / view.scale,
          toScreen(view, { x: at.x + NOTE_SIZE / 2, y: at.y + NOTE_SIZE / 2 }),
        ),
      );
    } else if (!userView) {
      // Hold the view still while typing: a fitted view would move with every note others add.
      setView(view);
    }
    setFreshNote(id);
    setEditing({ kind: 'note', id });
  }

  function addNoteInView() {
    // A little scatter too: notes written privately at the same moment cannot see each other.
    const c = toWorld(view, { x: width / 2, y: height / 2 });
    const scatter = () => (Math.random() - 0.5) * NOTE_SIZE;
    addNoteAt(freeSpot(board.notes, { x: c.x + scatter(), y: c.y + scatter() }));
  }

  // Keyboard shortcuts of the canvas (listed in the help dialog). Typing in a field is left alone.
  const [help, setHelp] = useState(false);
  const shortcut = useRef<(e: KeyboardEvent) => void>(() => undefined);
  useEffect(() => {
    shortcut.current = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (
        el &&
        (el.tagName === 'INPUT' ||
          el.tagName === 'TEXTAREA' ||
          el.tagName === 'SELECT' ||
          el.isContentEditable)
      )
        return;
      const centre = { x: width / 2, y: height / 2 };
      const pan = (dx: number, dy: number) => onView({ ...view, x: view.x + dx, y: view.y + dy });
      switch (e.key) {
        case '?':
          setHelp((v) => !v);
          break;
        case 'Escape':
          setHelp(false);
          return;
        case 'l':
        case 'L':
          setListMode((v) => !v);
          break;
        default:
          if (listMode || projector) return;
          if (e.key === 'ArrowLeft') pan(PAN_STEP, 0);
          else if (e.key === 'ArrowRight') pan(-PAN_STEP, 0);
          else if (e.key === 'ArrowUp') pan(0, PAN_STEP);
          else if (e.key === 'ArrowDown') pan(0, -PAN_STEP);
          else if (e.key === '+' || e.key === '=') onView(zoomAt(view, ZOOM_STEP, centre));
          else if (e.key === '-') onView(zoomAt(view, 1 / ZOOM_STEP, centre));
          else if (e.key === '0') doFit();
          else if ((e.key === 'n' || e.key === 'N') && canEver(role, 'note.add')) addNoteInView();
          else return;
      }
      e.preventDefault();
    };
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => shortcut.current(e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  function addPrompt() {
    // Beside what is there already, so a new area never covers another.
    const bounds = contentBounds(board.prompts, board.notes);
    const c = toWorld(view, { x: width / 2, y: height / 2 });
    const at = bounds
      ? { x: bounds.x + bounds.w + PROMPT_GAP, y: bounds.y }
      : { x: c.x - NEW_PROMPT_W / 2, y: c.y - NEW_PROMPT_H / 2 };
    const id = randomId(20);
    const rect = { x: Math.round(at.x), y: Math.round(at.y), w: NEW_PROMPT_W, h: NEW_PROMPT_H };
    act({ type: 'prompt.add', id, title: t('board.newPrompt'), ...rect });
    onView(fit(rect, width, height, 60, 1));
    setEditing({ kind: 'prompt', id });
  }

  const editingNote =
    editing?.kind === 'note' ? board.notes.find((n) => n.id === editing.id) : undefined;
  const editingPrompt =
    editing?.kind === 'prompt' ? board.prompts.find((p) => p.id === editing.id) : undefined;
  const actionsNote =
    editing?.kind === 'actions' ? board.notes.find((n) => n.id === editing.id) : undefined;

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
        ? t('status.offline')
        : t('status.connecting');
  // Offline, the count goes beside the state (hidden on phones, where the banner says it).
  const statusDetail =
    state.status === 'offline' && state.queued > 0
      ? t('status.queued', { count: state.queued })
      : undefined;

  return (
    <div
      className={`board-page${projector ? ' projector' : ''}${dark ? ' dark' : ''}${highContrast ? ' high-contrast' : ''}`}
    >
      <a className="skip-link" href="#board-main">
        {t('list.skip')}
      </a>
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
          <TimerDisplay timer={board.meta.timer} serverNow={serverNow} large={projector} />
          {!projector && (
            <span
              className={`status status-${state.status}`}
              data-testid="connection-status"
              role="status"
            >
              <span className="status-dot" aria-hidden="true" />
              <span className="status-text">{statusText}</span>
              {statusDetail && <span className="status-detail"> · {statusDetail}</span>}
            </span>
          )}
          {!projector && taggedGroups.length > 0 && (
            <>
              <select
                aria-label={t('board.groupFilter')}
                value={filterGroup ?? ''}
                onChange={(e) => setFilterGroup(e.target.value || undefined)}
                className="compact-select"
              >
                <option value="">{t('board.allGroups')}</option>
                {taggedGroups.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.label}
                  </option>
                ))}
              </select>
              <label className="check inline">
                <input
                  type="checkbox"
                  checked={colorByGroup}
                  onChange={(e) => setColorByGroup(e.target.checked)}
                />
                {t('board.colorByGroup')}
              </label>
            </>
          )}
          {!projector && (
            <button
              type="button"
              data-testid="toggle-list"
              aria-pressed={listMode}
              onClick={() => setListMode((v) => !v)}
            >
              {listMode ? t('list.showCanvas') : t('list.showList')}
            </button>
          )}
          {!projector && !compact && (
            <button
              type="button"
              aria-label={t('shortcuts.open')}
              data-testid="open-help"
              onClick={() => setHelp(true)}
            >
              ?
            </button>
          )}
          {!projector && !facilitator && board.meta.participantExport && (
            <SaveImage code={code} read={() => readBoard(conn.doc)} />
          )}
          {!projector && <LanguageSwitcher short />}
          {facilitator && (
            <button
              type="button"
              onClick={() => setPanel((v) => !v)}
              aria-expanded={panel}
              data-testid="open-panel"
            >
              {t('facilitator.tools')}
            </button>
          )}
        </div>
      </header>
      {state.status === 'offline' && !projector && (
        <p className="banner offline" data-testid="offline-banner">
          {state.queued > 0
            ? t('status.offlineQueued', { count: state.queued })
            : t('status.offlineHint')}
        </p>
      )}
      {(board.meta.privateWriting || board.prompts.some((p) => p.privateWriting)) &&
        role === 'participant' && <p className="banner">{t('board.privateBanner')}</p>}
      {board.meta.locked && !facilitator && (
        <p className="banner warn">{t('board.lockedBanner')}</p>
      )}
      {openRound && role === 'participant' && (
        <p className="banner" data-testid="vote-banner">
          {t('vote.banner')} {t('vote.dotsLeft', { count: dotsLeft })}
        </p>
      )}
      <div className="board-main" id="board-main" tabIndex={-1}>
        <div className="stage-box" ref={stageBox}>
          {listMode && !projector && (
            <ListView
              board={board}
              own={state.own}
              canAdd={canEver(role, 'note.add') && (!board.meta.locked || facilitator)}
              canEdit={canEdit}
              canVote={role === 'participant'}
              openRound={openRound}
              myDots={myDots}
              myReactions={state.myReactions}
              dotsLeft={dotsLeft}
              groupLabels={groupLabels}
              run={act}
              onShowOnCanvas={(n) => {
                setListMode(false);
                onView(fit({ x: n.x, y: n.y, w: NOTE_SIZE, h: NOTE_SIZE }, width, height, 80, 1.5));
              }}
            />
          )}
          {width > 0 && !(listMode && !projector) && (
            <Canvas
              board={board}
              own={state.own}
              view={view}
              onView={onView}
              width={width}
              height={height}
              facilitator={facilitator}
              readOnly={projector}
              groupLabels={groupLabels}
              highContrast={highContrast}
              filterGroup={filterGroup}
              groupFill={colorByGroup ? groupFill : undefined}
              canEdit={canEdit}
              onAddNoteAt={projector || (board.meta.locked && !facilitator) ? undefined : addNoteAt}
              roundId={shownRound?.id}
              highlight={topNotes}
              onSelectNote={
                projector
                  ? undefined
                  : (id, additive) => {
                      if (facilitator && (additive || selected.size > 0)) {
                        const next = new Set(selected);
                        if (next.has(id)) next.delete(id);
                        else next.add(id);
                        setSelected(next);
                      } else setEditing({ kind: 'actions', id });
                    }
              }
              onOpenNote={(id) => {
                const n = board.notes.find((x) => x.id === id);
                if (n && canEdit(n)) setEditing({ kind: 'note', id });
              }}
              onMoveNote={(id, x, y) => {
                const n = board.notes.find((m) => m.id === id);
                if (n && facilitator && selected.has(id) && selected.size > 1) {
                  // Dragging one of several selected notes moves them all.
                  const dx = x - n.x;
                  const dy = y - n.y;
                  const moves = board.notes
                    .filter((m) => selected.has(m.id))
                    .map((m) => ({ id: m.id, x: Math.round(m.x + dx), y: Math.round(m.y + dy) }));
                  // A large selection goes as several commands, each within a message.
                  for (const c of notesMoveCommands(moves)) act(c);
                } else act({ type: 'note.move', id, x, y });
              }}
              selected={selected}
              clusterLabels={clusterLabels}
              onMovePrompt={(id, x, y) => act({ type: 'prompt.update', id, x, y })}
              onResizePrompt={(id, w, h) => act({ type: 'prompt.update', id, w, h })}
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
          {state.synced && board.notes.length === 0 && board.prompts.length === 0 && (
            <div className="empty-hint" aria-live="polite">
              {waitingTotal > 0 ? (
                // Everything written so far waits for the reveal: say so, rather than "empty".
                <p data-testid="board-waiting">{t('board.waiting', { count: waitingTotal })}</p>
              ) : (
                !projector && (
                  <>
                    <p>{t('board.empty')}</p>
                    <p className="muted">{t('board.emptyHint')}</p>
                  </>
                )
              )}
            </div>
          )}
          {!projector && !listMode && (
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
              <div className="zoom-group" role="group" aria-label={t('board.zoom')}>
                <button
                  type="button"
                  data-testid="zoom-out"
                  aria-label={t('board.zoomOut')}
                  onClick={() =>
                    onView(zoomAt(view, 1 / ZOOM_STEP, { x: width / 2, y: height / 2 }))
                  }
                >
                  −
                </button>
                <button
                  type="button"
                  data-testid="zoom-in"
                  aria-label={t('board.zoomIn')}
                  onClick={() => onView(zoomAt(view, ZOOM_STEP, { x: width / 2, y: height / 2 }))}
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
              {!projector && (
                <div className="history-group" role="group" aria-label={t('history.undo')}>
                  <button
                    type="button"
                    data-testid="undo"
                    aria-label={t('history.undo')}
                    disabled={!undoHistory.canUndo}
                    onClick={undo}
                  >
                    ↶
                  </button>
                  <button
                    type="button"
                    data-testid="redo"
                    aria-label={t('history.redo')}
                    disabled={!undoHistory.canRedo}
                    onClick={redo}
                  >
                    ↷
                  </button>
                </div>
              )}
              {myStation && (
                <button
                  type="button"
                  data-testid="go-to-group"
                  onClick={() => onView(fit(myStation, width, height, 24, 2))}
                >
                  {t('board.goToGroup')}
                </button>
              )}
            </div>
          )}
          {facilitator && selected.size > 0 && (
            <div
              className="selection-bar"
              role="toolbar"
              aria-label={t('cluster.selected', { count: selected.size })}
              data-testid="selection-bar"
            >
              <span>{t('cluster.selected', { count: selected.size })}</span>
              <div className="swatches" role="group" aria-label={t('cluster.colour')}>
                {NOTE_COLORS.map((c: NoteColor) => (
                  <button
                    key={c}
                    type="button"
                    className="swatch"
                    aria-label={t(`colors.${c}`)}
                    style={{ background: NOTE_FILL[c] }}
                    onClick={() => {
                      for (const cmd of notesUpdateCommands([...selected], c)) act(cmd);
                    }}
                  />
                ))}
              </div>
              <input
                aria-label={t('cluster.label')}
                placeholder={t('cluster.label')}
                data-testid="cluster-label"
                value={clusterLabel}
                maxLength={MAX_LABEL_LENGTH}
                onChange={(e) => setClusterLabel(e.target.value)}
              />
              <button
                type="button"
                className="primary"
                data-testid="cluster-add"
                disabled={clusterLabel.trim() === ''}
                onClick={() => {
                  act({
                    type: 'cluster.add',
                    id: randomId(20),
                    label: clusterLabel.trim(),
                    noteIds: [...selected],
                  });
                  setClusterLabel('');
                  setSelected(new Set());
                }}
              >
                {t('cluster.group')}
              </button>
              <button type="button" onClick={() => setSelected(new Set())}>
                {t('cluster.clear')}
              </button>
            </div>
          )}
          {projector && lastClosed && !openRound && (
            <div className="projector-results">
              <ResultsList round={lastClosed} notes={board.notes} large />
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
                if (freshNote === editingNote.id && text.trim() === '') {
                  // Nothing was written: leave no empty note behind.
                  conn.run({ type: 'note.delete', id: editingNote.id });
                } else if (text !== editingNote.text || color !== editingNote.color) {
                  act({ type: 'note.update', id: editingNote.id, text, color });
                }
                setEditing(null);
              }}
              onDelete={() => {
                act({ type: 'note.delete', id: editingNote.id });
                setEditing(null);
              }}
              onClose={() => {
                if (freshNote === editingNote.id && editingNote.text === '')
                  conn.run({ type: 'note.delete', id: editingNote.id });
                setEditing(null);
              }}
            />
          )}
          {actionsNote && (
            <NoteActions
              key={actionsNote.id}
              note={actionsNote}
              round={openRound}
              myDotsHere={myDots[actionsNote.id] ?? 0}
              mine={state.myReactions[actionsNote.id]}
              dotsLeft={dotsLeft}
              canVote={role === 'participant' && actionsNote.offstage === null}
              canReact={actionsNote.offstage === null && !actionsNote.pending}
              canEdit={canEdit(actionsNote)}
              onVote={(delta) =>
                openRound &&
                conn.run({
                  type: delta > 0 ? 'vote.cast' : 'vote.retract',
                  roundId: openRound.id,
                  noteId: actionsNote.id,
                })
              }
              onReact={(reaction) =>
                conn.run({ type: 'reaction.toggle', noteId: actionsNote.id, reaction })
              }
              onEdit={() => setEditing({ kind: 'note', id: actionsNote.id })}
              onClose={() => setEditing(null)}
            />
          )}
          {!facilitator && !projector && follow.mode !== 'off' && !following && (
            <button
              type="button"
              className="return-follow primary"
              onClick={() => setAwayFromSeq(null)}
            >
              {t('follow.return')}
            </button>
          )}
          {editingPrompt && (
            <PromptEditor
              key={editingPrompt.id}
              prompt={editingPrompt}
              onSave={(title) => {
                if (title.trim() && title !== editingPrompt.title)
                  act({ type: 'prompt.update', id: editingPrompt.id, title: title.trim() });
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
              onFocus={() => {
                conn.run({ type: 'follow.set', mode: 'prompt', promptId: editingPrompt.id });
                setEditing(null);
              }}
              onDelete={() => {
                act({ type: 'prompt.delete', id: editingPrompt.id });
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
            projectorKey={state.session?.projectorKey ?? savedProjectorKey(code)}
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
              // The new key stays out of the address bar where this browser keeps it.
              history.replaceState(
                null,
                '',
                savedFacilitatorKey(code) === key ? `/f/${code}` : `/f/${code}#key=${key}`,
              );
              setTimeout(() => onKey(key), 500);
            }}
            onClose={() => setPanel(false)}
          >
            {lastClosed && <ResultsList round={lastClosed} notes={board.notes} />}
            <ExportSection
              boardId={resolved.boardId}
              code={code}
              facilitatorKey={
                'facilitatorKey' in resolved.creds ? resolved.creds.facilitatorKey : ''
              }
              board={board}
              onParticipantExport={(allowed) =>
                conn.run({ type: 'board.update', participantExport: allowed })
              }
            />
            <WorkshopControls
              meta={board.meta}
              openRound={openRound}
              actions={{
                setTimer: (minutes, onEnd, sound) =>
                  conn.run({
                    type: 'timer.set',
                    durationMs: Math.round(minutes * 60_000),
                    onEnd,
                    sound,
                  }),
                startTimer: () => conn.run({ type: 'timer.start' }),
                pauseTimer: () => conn.run({ type: 'timer.pause' }),
                addMinute: () => conn.run({ type: 'timer.addTime', ms: 60_000 }),
                stopTimer: () => conn.run({ type: 'timer.stop' }),
                startVote: (dots, maxPerNote, showTotals) =>
                  conn.run({
                    type: 'vote.start',
                    roundId: randomId(20),
                    dots,
                    maxPerNote,
                    showTotals,
                  }),
                endVote: (roundId) => conn.run({ type: 'vote.end', roundId }),
                bringEveryone: () => {
                  const c = toWorld(view, { x: width / 2, y: height / 2 });
                  const zoom = (view.scale * FOLLOW_REFERENCE_WIDTH) / Math.max(width, 1);
                  conn.run({
                    type: 'follow.set',
                    mode: 'view',
                    x: Math.round(c.x),
                    y: Math.round(c.y),
                    zoom: Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom)),
                  });
                },
                releaseEveryone: () => conn.run({ type: 'follow.set', mode: 'off' }),
                insertTemplate: (template) => {
                  const b = contentBounds(board.prompts, board.notes);
                  conn.run({
                    type: 'template.insert',
                    template,
                    locale: currentLanguage(),
                    x: Math.round(b ? b.x : 0),
                    y: Math.round(b ? b.y + b.h + PROMPT_GAP : 0),
                  });
                },
              }}
            />
          </FacilitatorPanel>
        )}
      </div>
      {projector && <ProjectorCorner code={code} dark={dark} />}
      {help && (
        <ShortcutHelp
          onClose={() => setHelp(false)}
          highContrast={highContrast}
          onToggleContrast={toggleContrast}
        />
      )}
      {toast && (
        <div className="toast" role="alert">
          {toast}
        </div>
      )}
    </div>
  );
}
