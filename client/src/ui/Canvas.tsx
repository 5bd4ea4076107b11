/**
 * The board drawn with react-konva. Layers: the wheel and prompts (static), notes, and an
 * interaction layer (the facilitator's pointer) that takes no clicks.
 *
 * Large boards stay smooth: only notes in view are mounted, found through a grid index rather
 * than a scan of every note; a mounted note is drawn again only when something it shows changed
 * (not on every zoom step); text is left out below a readable size; and zoomed far out, all notes
 * in view are one shape of plain rectangles that takes no clicks.
 */
import { useCallback, useLayoutEffect, useMemo, useRef, type ReactNode } from 'react';
import { Layer, Stage } from 'react-konva';
import type Konva from 'konva';
import { useTranslation } from 'react-i18next';
import { NOTE_SIZE, type PointerInfo } from '@pajataulu/shared';
import type { ViewBoard, ViewNote } from '../board/overlay.js';
import { GridIndex } from '../board/spatial.js';
import { intersects, toWorld, visibleWorld, zoomAt, ZOOM_STEP, type View } from '../board/view.js';
import { currentLanguage } from '../i18n/index.js';
import { NOTE_FILL } from './colors.js';
import { NoteShape } from './canvas/NoteShape.js';
import { NotesOverview } from './canvas/NotesOverview.js';
import { PointerDot } from './canvas/PointerDot.js';
import { PromptShape } from './canvas/PromptShape.js';
import { MIN_READABLE_PX, OVERVIEW_SCALE, SHADOW_SCALE } from './canvas/scale.js';
import { WheelShape } from './canvas/WheelShape.js';

export interface CanvasProps {
  board: ViewBoard;
  own: ReadonlySet<string>;
  view: View;
  onView: (v: View) => void;
  width: number;
  height: number;
  facilitator: boolean;
  readOnly: boolean;
  /** Text below this screen size is not drawn (zoomed far out). */
  groupLabels: ReadonlyMap<string, string>;
  canEdit: (n: ViewNote) => boolean;
  onAddNoteAt?: (world: { x: number; y: number }) => void;
  onOpenNote?: (id: string) => void;
  /** A single click or tap on a note. */
  onSelectNote?: (id: string, additive: boolean) => void;
  /** Notes the facilitator has selected for bulk actions. */
  selected?: ReadonlySet<string>;
  /** Cluster labels by id, shown on their notes. */
  clusterLabels?: ReadonlyMap<string, string>;
  /** Facilitators only: notes the server flagged as looking like they hold personal data. */
  flagged?: Readonly<Record<string, unknown>>;
  onMoveNote?: (id: string, x: number, y: number) => void;
  onMovePrompt?: (id: string, x: number, y: number) => void;
  onResizePrompt?: (id: string, w: number, h: number) => void;
  onOpenPrompt?: (id: string) => void;
  pointer?: PointerInfo | undefined;
  onPointer?: (p: { x: number; y: number } | null) => void;
  /** Notes to emphasise (e.g. the top voted), by id. */
  highlight?: ReadonlySet<string>;
  /** The round whose totals are shown on notes. */
  roundId?: string | undefined;
  /** Black on white with strong outlines. */
  highContrast?: boolean;
  /** Only this group's notes are drawn at full strength. */
  filterGroup?: string | undefined;
  /** Fill per group id, when notes are coloured by group. */
  groupFill?: ReadonlyMap<string, string> | undefined;
}

/** Two adds at one spot within this long are one gesture seen twice. */
const DOUBLE_ADD_MS = 700;
const NOTE_BOX = { w: NOTE_SIZE, h: NOTE_SIZE };

export function Canvas(props: CanvasProps) {
  const { t } = useTranslation();
  const { board, view, width, height } = props;
  const stageRef = useRef<Konva.Stage>(null);
  const pinch = useRef<{ dist: number; center: { x: number; y: number } } | null>(null);
  const lastPointer = useRef(0);
  const lastAdd = useRef(0);

  const visible = visibleWorld(view, width, height);
  const margin = NOTE_SIZE;
  const area = {
    x: visible.x - margin,
    y: visible.y - margin,
    w: visible.w + 2 * margin,
    h: visible.h + 2 * margin,
  };
  const index = useMemo(() => new GridIndex(board.notes, () => NOTE_BOX), [board.notes]);
  const notes = index.query(area);
  const overview = view.scale < OVERVIEW_SCALE;
  const readable = 16 * view.scale >= MIN_READABLE_PX;
  const shadow = view.scale >= SHADOW_SCALE;
  // Notes are memoised; handlers that change on every render of the page must not undo that.
  const latest = useRef(props);
  useLayoutEffect(() => {
    latest.current = props;
  });
  const onOpenNote = useCallback((id: string) => latest.current.onOpenNote?.(id), []);
  const onSelectNote = useCallback(
    (id: string, additive: boolean) => latest.current.onSelectNote?.(id, additive),
    [],
  );
  const onMoveNote = useCallback(
    (id: string, x: number, y: number) => latest.current.onMoveNote?.(id, x, y),
    [],
  );
  const prompts = board.prompts.filter((p) => intersects(area, { x: p.x, y: p.y, w: p.w, h: p.h }));
  const monthNames = useMemo(() => {
    const fmt = new Intl.DateTimeFormat(currentLanguage(), { month: 'long' });
    return Array.from({ length: 12 }, (_, i) => fmt.format(new Date(2024, i, 15)));
  }, []);
  const labels = useMemo(
    () => ({
      yours: t('board.yours'),
      onlyYou: t('board.onlyYou'),
      hidden: t('board.hidden'),
      edited: t('board.editedByFacilitator'),
      editedYours: t('board.editedByFacilitatorYours'),
    }),
    [t],
  );
  const flagLabel = t('personalData.flagShort');
  const fillOf = (n: ViewNote) =>
    props.highContrast
      ? '#ffffff'
      : ((n.group ? props.groupFill?.get(n.group) : undefined) ?? NOTE_FILL[n.color]);

  const pointerPos = (): { x: number; y: number } | null =>
    stageRef.current?.getPointerPosition() ?? null;

  function onWheel(e: Konva.KonvaEventObject<WheelEvent>) {
    e.evt.preventDefault();
    const at = pointerPos() ?? { x: width / 2, y: height / 2 };
    if (e.evt.ctrlKey || !e.evt.shiftKey) {
      const factor = Math.pow(ZOOM_STEP, -e.evt.deltaY / (e.evt.ctrlKey ? 25 : 100));
      props.onView(zoomAt(view, factor, at));
    } else {
      props.onView({ ...view, x: view.x - e.evt.deltaX, y: view.y - e.evt.deltaY });
    }
  }

  function addAtPointer(e: Konva.KonvaEventObject<Event>) {
    if (!props.onAddNoteAt) return;
    // Only on the empty canvas or a prompt's body, never on a note.
    const target = e.target;
    if (target !== stageRef.current && target.name() !== 'prompt-body') return;
    const at = pointerPos();
    if (!at) return;
    // A double tap on the empty canvas is followed by the browser's emulated mouse events: a
    // second `dblclick` (a second note) and a mousedown that would take the focus from the
    // editor about to open. Cancelling the touchend stops them; the time check is for browsers
    // that send them anyway.
    if (e.evt.type === 'touchend' && e.evt.cancelable) e.evt.preventDefault();
    const now = e.evt.timeStamp;
    if (now - lastAdd.current < DOUBLE_ADD_MS) return;
    lastAdd.current = now;
    const w = toWorld(view, at);
    props.onAddNoteAt({ x: Math.round(w.x - NOTE_SIZE / 2), y: Math.round(w.y - NOTE_SIZE / 2) });
  }

  function onTouchMove(e: Konva.KonvaEventObject<TouchEvent>) {
    const touches = e.evt.touches;
    if (touches.length !== 2) return;
    e.evt.preventDefault();
    const stage = stageRef.current;
    if (!stage) return;
    stage.draggable(false);
    const rect = stage.container().getBoundingClientRect();
    const a = { x: touches[0]!.clientX - rect.left, y: touches[0]!.clientY - rect.top };
    const b = { x: touches[1]!.clientX - rect.left, y: touches[1]!.clientY - rect.top };
    const dist = Math.hypot(a.x - b.x, a.y - b.y);
    const center = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    const last = pinch.current;
    pinch.current = { dist, center };
    if (!last) return;
    const zoomed = zoomAt(view, dist / last.dist, center);
    props.onView({
      ...zoomed,
      x: zoomed.x + center.x - last.center.x,
      y: zoomed.y + center.y - last.center.y,
    });
  }

  function onPointerMove() {
    if (!props.onPointer) return;
    const now = performance.now();
    if (now - lastPointer.current < 100) return;
    lastPointer.current = now;
    const at = pointerPos();
    props.onPointer(at ? toWorld(view, at) : null);
  }

  const roundId = props.roundId;
  let pointer: ReactNode = null;
  if (props.pointer?.visible) {
    pointer = <PointerDot x={props.pointer.x} y={props.pointer.y} scale={view.scale} />;
  }

  return (
    // The canvas is a picture for screen readers; the list view is the way to read and edit by text.
    <div
      role="img"
      aria-label={t('board.canvasLabel', {
        notes: board.notes.length,
        prompts: board.prompts.length,
      })}
    >
      <Stage
        ref={stageRef}
        width={width}
        height={height}
        x={view.x}
        y={view.y}
        scaleX={view.scale}
        scaleY={view.scale}
        draggable
        onDragEnd={(e) => {
          if (e.target === stageRef.current)
            props.onView({ ...view, x: e.target.x(), y: e.target.y() });
        }}
        onWheel={onWheel}
        onDblClick={props.readOnly ? undefined : addAtPointer}
        onDblTap={props.readOnly ? undefined : addAtPointer}
        onTouchMove={onTouchMove}
        onTouchEnd={() => {
          pinch.current = null;
          stageRef.current?.draggable(true);
        }}
        onMouseMove={onPointerMove}
        onMouseLeave={() => props.onPointer?.(null)}
      >
        <Layer>
          {prompts.map((p) => (
            <PromptShape
              key={p.id}
              prompt={p}
              scale={view.scale}
              facilitator={props.facilitator}
              onMove={props.onMovePrompt}
              onResize={props.onResizePrompt}
              onOpen={props.onOpenPrompt}
              waitingLabel={t('board.waiting', { count: p.waiting })}
              contrast={props.highContrast ?? false}
            />
          ))}
          {/* Over its prompt's body, which holds it; it takes no clicks, so notes drop through. */}
          {board.meta.wheel && <WheelShape wheel={board.meta.wheel} />}
        </Layer>
        <Layer listening={!overview}>
          {overview && (
            <NotesOverview
              notes={notes}
              fillOf={fillOf}
              marked={(n) =>
                (props.highlight?.has(n.id) ?? false) || (props.selected?.has(n.id) ?? false)
              }
            />
          )}
          {!overview &&
            notes.map((n) => (
              <NoteShape
                key={n.id}
                note={n}
                mine={props.own.has(n.id)}
                draggable={!props.readOnly && props.canEdit(n)}
                readable={readable}
                shadow={shadow}
                groupLabel={n.group ? props.groupLabels.get(n.group) : undefined}
                flagLabel={props.flagged?.[n.id] ? flagLabel : undefined}
                labels={labels}
                highlighted={props.highlight?.has(n.id) ?? false}
                selected={props.selected?.has(n.id) ?? false}
                contrast={props.highContrast ?? false}
                clusterLabel={n.cluster ? props.clusterLabels?.get(n.cluster) : undefined}
                monthLabel={n.month ? monthNames[n.month - 1] : undefined}
                votes={roundId ? n.votes[roundId] : undefined}
                dimmed={props.filterGroup !== undefined && n.group !== props.filterGroup}
                fill={n.group ? props.groupFill?.get(n.group) : undefined}
                onOpen={props.onOpenNote ? onOpenNote : undefined}
                onSelect={props.onSelectNote ? onSelectNote : undefined}
                onMove={props.onMoveNote ? onMoveNote : undefined}
              />
            ))}
        </Layer>
        <Layer listening={false}>{pointer}</Layer>
      </Stage>
    </div>
  );
}
