/**
 * The board itself: the canvas (or the list in its place), what shows when it is empty, and the
 * tools and editors over it. It measures itself for the store.
 */
import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { canEver } from '@pajataulu/shared';
import {
  boardNames,
  clusterLabels,
  groupLabels,
  topNotes,
  voting,
  waitingTotal,
} from '../../board/derive.js';
import type { BoardStore } from '../../board/store.js';
import { toScreen } from '../../board/view.js';
import { Canvas } from '../Canvas.js';
import { GROUP_FILL } from '../colors.js';
import { ListView } from '../ListView.js';
import { ResultsList } from '../ResultsList.js';
import { CanvasToolbar } from './CanvasToolbar.js';
import { NoteEditors, PromptEditors, ReturnToFollow } from './Editors.js';
import { SelectionBar } from './SelectionBar.js';
import { useBoard, useBoardStore } from './use-board.js';

/** Tells the store the stage's size, now and whenever it changes. */
function useStageSize(store: BoardStore, ref: React.RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => store.setSize(el.clientWidth, el.clientHeight);
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    measure();
    return () => ro.disconnect();
  }, [store, ref]);
}

/** Read-only window into the replica, for end-to-end tests and debugging. It cannot write. */
function useDebugWindow(store: BoardStore, ref: React.RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const board = () => store.conn.getState().board;
    (window as unknown as { __pajataulu?: unknown }).__pajataulu = {
      notes: () => board().notes.map((n) => ({ ...n })),
      prompts: () => board().prompts.map((p) => ({ ...p })),
      status: () => store.conn.getState().status,
      synced: () => store.conn.getState().synced,
      top: () => {
        const c = store.conn.getState();
        return [...topNotes(c.board.notes, voting(c.board, c.myVotes).shownRound)];
      },
      wheel: () => board().meta.wheel,
      stageToScreen: (p: { x: number; y: number }) => {
        const box = ref.current?.getBoundingClientRect();
        const s = toScreen(store.getState().view, p);
        return { x: s.x + (box?.left ?? 0), y: s.y + (box?.top ?? 0) };
      },
    };
    return () => {
      delete (window as unknown as { __pajataulu?: unknown }).__pajataulu;
    };
  }, [store, ref]);
}

export function Stage() {
  const store = useBoardStore();
  const s = useBoard();
  const stageBox = useRef<HTMLDivElement>(null);
  useStageSize(store, stageBox);
  useDebugWindow(store, stageBox);
  const { board, synced } = s.connection;
  const { facilitator, projector } = store;
  const { lastClosed, openRound } = voting(board, s.connection.myVotes);
  return (
    <div className="stage-box" ref={stageBox}>
      {s.listMode && !projector && <BoardList />}
      {s.width > 0 && !(s.listMode && !projector) && <BoardCanvas />}
      {synced && board.notes.length === 0 && board.prompts.length === 0 && <EmptyHint />}
      {!projector && !s.listMode && <CanvasToolbar />}
      {facilitator && s.selected.size > 0 && <SelectionBar />}
      {projector && lastClosed && !openRound && (
        <div className="projector-results">
          <ResultsList round={lastClosed} notes={board.notes} large />
        </div>
      )}
      <NoteEditors />
      <ReturnToFollow />
      <PromptEditors />
    </div>
  );
}

/** The board as an accessible list, in place of the canvas. */
function BoardList() {
  const store = useBoardStore();
  const { connection: c } = useBoard();
  const { board } = c;
  const { openRound, myDots, dotsLeft } = voting(board, c.myVotes);
  const labels = useMemo(() => groupLabels(board.meta), [board.meta]);
  const names = useMemo(() => boardNames(board), [board]);
  return (
    <ListView
      board={board}
      own={c.own}
      canAdd={canEver(store.role, 'note.add') && (!board.meta.locked || store.facilitator)}
      canEdit={store.canEdit}
      canVote={store.role === 'participant'}
      openRound={openRound}
      myDots={myDots}
      myReactions={c.myReactions}
      dotsLeft={dotsLeft}
      groupLabels={labels}
      names={names}
      flags={c.flags}
      run={store.act}
      onShowOnCanvas={store.showOnCanvas}
    />
  );
}

function BoardCanvas() {
  const store = useBoardStore();
  const s = useBoard();
  const { board, own, pointer } = s.connection;
  const { facilitator, projector } = store;
  const { shownRound } = voting(board, s.connection.myVotes);
  const top = useMemo(() => topNotes(board.notes, shownRound), [board.notes, shownRound]);
  const labels = useMemo(() => groupLabels(board.meta), [board.meta]);
  const clusters = useMemo(() => clusterLabels(board), [board]);
  const groupFill = useMemo(
    () => new Map(board.meta.groups.map((g, i) => [g.id, GROUP_FILL[i % GROUP_FILL.length]!])),
    [board.meta.groups],
  );
  return (
    <Canvas
      board={board}
      own={own}
      flagged={s.connection.flags}
      view={s.view}
      onView={store.setView}
      width={s.width}
      height={s.height}
      facilitator={facilitator}
      readOnly={projector}
      groupLabels={labels}
      highContrast={s.highContrast}
      filterGroup={s.filterGroup}
      groupFill={s.colorByGroup ? groupFill : undefined}
      canEdit={store.canEdit}
      onAddNoteAt={projector || (board.meta.locked && !facilitator) ? undefined : store.addNoteAt}
      roundId={shownRound?.id}
      highlight={top}
      onSelectNote={projector ? undefined : store.selectNote}
      onOpenNote={store.openNote}
      onMoveNote={store.moveNote}
      selected={s.selected}
      clusterLabels={clusters}
      onMovePrompt={(id, x, y) => store.act({ type: 'prompt.update', id, x, y })}
      onResizePrompt={(id, w, h) => store.act({ type: 'prompt.update', id, w, h })}
      onOpenPrompt={facilitator ? (id) => store.edit({ kind: 'prompt', id }) : undefined}
      pointer={facilitator ? undefined : pointer}
      onPointer={
        facilitator
          ? (p) => store.conn.pointer(p ? { ...p, visible: true } : { x: 0, y: 0, visible: false })
          : undefined
      }
    />
  );
}

/** An empty board says how to start; one whose notes all wait for a reveal says that. */
function EmptyHint() {
  const { t } = useTranslation();
  const { projector } = useBoardStore();
  const { connection: c } = useBoard();
  const waiting = waitingTotal(c.board);
  return (
    <div className="empty-hint" aria-live="polite">
      {waiting > 0 ? (
        // Everything written so far waits for the reveal: say so, rather than "empty".
        <p data-testid="board-waiting">{t('board.waiting', { count: waiting })}</p>
      ) : (
        !projector && (
          <>
            <p>{t('board.empty')}</p>
            <p className="muted">{t('board.emptyHint')}</p>
          </>
        )
      )}
    </div>
  );
}
