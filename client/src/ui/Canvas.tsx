/**
 * The board drawn with react-konva. Layers: the wheel and prompts (static), notes, and an
 * interaction layer (the facilitator's pointer) that takes no clicks.
 *
 * Large boards stay smooth: only notes in view are mounted, found through a grid index rather
 * than a scan of every note; a mounted note is drawn again only when something it shows changed
 * (not on every zoom step); text is left out below a readable size; and zoomed far out, all notes
 * in view are one shape of plain rectangles that takes no clicks.
 */
import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { Arc, Circle, Group, Layer, Line, Rect, Shape, Stage, Text } from 'react-konva';
import Konva from 'konva';
import { useTranslation } from 'react-i18next';
import {
  MAX_PROMPT_SIZE,
  MIN_PROMPT_SIZE,
  NOTE_SIZE,
  monthSector,
  seasonOf,
  WHEEL_HUB_FRACTION,
  type PointerInfo,
  type Prompt,
  type Wheel,
} from '@pajataulu/shared';
import type { ViewBoard, ViewNote } from '../board/overlay.js';
import { GridIndex } from '../board/spatial.js';
import { intersects, toWorld, visibleWorld, zoomAt, ZOOM_STEP, type View } from '../board/view.js';
import { currentLanguage } from '../i18n/index.js';
import {
  ACCENT,
  NOTE_FILL,
  NOTE_TEXT,
  PROMPT_FILL,
  PROMPT_STROKE,
  PROMPT_TITLE,
} from './colors.js';

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
/** Side of the corner that marks a user's own notes. */
const OWN_CORNER = 26;
/** Text smaller than this on screen is not drawn: an outline reads better than a smear. */
const MIN_READABLE_PX = 5;
/**
 * Below this zoom a note is under 24 pixels wide: notes are drawn as one shape of rectangles,
 * without text, shadows or hit-testing (zoom in to pick one).
 */
export const OVERVIEW_SCALE = 0.15;
/** Below this zoom notes are drawn without their drop shadow. */
const SHADOW_SCALE = 0.5;
const NOTE_BOX = { w: NOTE_SIZE, h: NOTE_SIZE };
const SEASON_FILL: Record<string, string> = {
  winter: '#e3eef8',
  spring: '#e4f4e0',
  summer: '#fff5cf',
  autumn: '#fbe6d4',
};
const REACTION_ICON: Record<string, string> = { heart: '♥', clap: '👏', idea: '💡', agree: '+1' };

function WheelShape({ wheel }: { wheel: Wheel }) {
  const months = useMemo(() => {
    const fmt = new Intl.DateTimeFormat(currentLanguage(), { month: 'long' });
    return Array.from({ length: 12 }, (_, i) => fmt.format(new Date(2024, i, 15)));
  }, []);
  const hub = wheel.r * WHEEL_HUB_FRACTION;
  return (
    <Group x={wheel.x} y={wheel.y} listening={false}>
      {months.map((name, i) => {
        const m = i + 1;
        const { start } = monthSector(m);
        const deg = (start * 180) / Math.PI - 90;
        const mid = start + Math.PI / 12;
        return (
          <Group key={m}>
            <Arc
              innerRadius={hub}
              outerRadius={wheel.r}
              angle={30}
              rotation={deg}
              fill={SEASON_FILL[seasonOf(m)]}
              stroke="#9fb3bd"
              strokeWidth={2}
            />
            <Text
              text={name}
              x={Math.sin(mid) * (wheel.r - 60) - 100}
              y={-Math.cos(mid) * (wheel.r - 60) - 14}
              width={200}
              align="center"
              fontSize={28}
              fontStyle="bold"
              fill="#3a4d55"
            />
          </Group>
        );
      })}
      <Circle radius={hub} fill="#ffffff" stroke="#9fb3bd" strokeWidth={2} />
    </Group>
  );
}

function PromptShape(props: {
  prompt: Prompt;
  scale: number;
  facilitator: boolean;
  onMove?: ((id: string, x: number, y: number) => void) | undefined;
  onResize?: ((id: string, w: number, h: number) => void) | undefined;
  onOpen?: ((id: string) => void) | undefined;
  waitingLabel: string;
  contrast: boolean;
}) {
  const { prompt: p, facilitator } = props;
  const groupRef = useRef<Konva.Group>(null);
  const [size, setSize] = useState<{ w: number; h: number } | null>(null);
  const w = size?.w ?? p.w;
  const h = size?.h ?? p.h;
  const readable = 28 * props.scale >= MIN_READABLE_PX;
  const startDrag = () => {
    const g = groupRef.current;
    if (!facilitator || !g) return;
    g.draggable(true);
    g.startDrag();
  };
  return (
    <Group
      ref={groupRef}
      x={p.x}
      y={p.y}
      onDragEnd={(e) => {
        const g = groupRef.current;
        if (!g || (e.target as unknown) !== g) return;
        g.draggable(false);
        props.onMove?.(p.id, Math.round(g.x()), Math.round(g.y()));
      }}
    >
      <Rect
        width={w}
        height={h}
        fill={props.contrast ? '#ffffff' : PROMPT_FILL}
        stroke={props.contrast ? '#000000' : PROMPT_STROKE}
        strokeWidth={2}
        cornerRadius={16}
        name="prompt-body"
      />
      <Rect
        width={w}
        height={64}
        fill={p.locked ? '#e9ecee' : '#e3edf1'}
        cornerRadius={[16, 16, 0, 0]}
        name="prompt-title"
        onMouseDown={startDrag}
        onTouchStart={startDrag}
        onDblClick={() => props.onOpen?.(p.id)}
        onDblTap={() => props.onOpen?.(p.id)}
      />
      {readable && (
        <Text
          text={`${p.locked ? '🔒 ' : ''}${p.privateWriting ? '👁 ' : ''}${p.title}`}
          x={20}
          y={16}
          width={w - 40}
          height={40}
          fontSize={28}
          fontStyle="bold"
          fill={PROMPT_TITLE}
          ellipsis
          wrap="none"
          listening={false}
        />
      )}
      {readable && p.description && (
        <Text
          text={p.description}
          x={20}
          y={76}
          width={w - 40}
          fontSize={20}
          fill="#44606b"
          listening={false}
        />
      )}
      {readable && p.waiting > 0 && (
        <Text
          text={props.waitingLabel}
          x={20}
          y={h - 40}
          width={w - 40}
          fontSize={20}
          fill={ACCENT}
          fontStyle="italic"
          listening={false}
        />
      )}
      {facilitator && (
        <Rect
          x={w - 28}
          y={h - 28}
          width={24}
          height={24}
          fill={ACCENT}
          cornerRadius={4}
          draggable
          name="prompt-resize"
          onDragMove={(e) => {
            const node = e.target;
            const nw = Math.max(MIN_PROMPT_SIZE, Math.min(MAX_PROMPT_SIZE, node.x() + 28));
            const nh = Math.max(MIN_PROMPT_SIZE, Math.min(MAX_PROMPT_SIZE, node.y() + 28));
            setSize({ w: nw, h: nh });
          }}
          onDragEnd={(e) => {
            e.cancelBubble = true;
            const node = e.target;
            const nw = Math.round(
              Math.max(MIN_PROMPT_SIZE, Math.min(MAX_PROMPT_SIZE, node.x() + 28)),
            );
            const nh = Math.round(
              Math.max(MIN_PROMPT_SIZE, Math.min(MAX_PROMPT_SIZE, node.y() + 28)),
            );
            node.position({ x: nw - 28, y: nh - 28 });
            setSize(null);
            props.onResize?.(p.id, nw, nh);
          }}
        />
      )}
    </Group>
  );
}

interface NoteShapeProps {
  note: ViewNote;
  mine: boolean;
  draggable: boolean;
  /** Whether text is drawn (the zoom makes it readable). */
  readable: boolean;
  shadow: boolean;
  groupLabel: string | undefined;
  labels: { yours: string; onlyYou: string; hidden: string };
  highlighted: boolean;
  selected: boolean;
  contrast: boolean;
  clusterLabel: string | undefined;
  monthLabel: string | undefined;
  votes: number | undefined;
  dimmed: boolean;
  fill: string | undefined;
  onOpen?: ((id: string) => void) | undefined;
  onSelect?: ((id: string, additive: boolean) => void) | undefined;
  onMove?: ((id: string, x: number, y: number) => void) | undefined;
}

type Counts = Readonly<Partial<Record<string, number>>>;

function sameCounts(a: Counts, b: Counts) {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Whether two renderings of a note would draw the same (the replica makes new objects). */
function sameNoteShape(a: NoteShapeProps, b: NoteShapeProps): boolean {
  for (const k of Object.keys(a) as (keyof NoteShapeProps)[]) {
    if (k === 'note' || k === 'labels') continue;
    if (a[k] !== b[k]) return false;
  }
  const m = a.note;
  const n = b.note;
  return (
    a.labels.yours === b.labels.yours &&
    a.labels.onlyYou === b.labels.onlyYou &&
    a.labels.hidden === b.labels.hidden &&
    m.id === n.id &&
    m.x === n.x &&
    m.y === n.y &&
    m.text === n.text &&
    m.color === n.color &&
    m.group === n.group &&
    m.author === n.author &&
    m.month === n.month &&
    m.cluster === n.cluster &&
    m.pending === n.pending &&
    m.offstage === n.offstage &&
    sameCounts(m.reactions, n.reactions) &&
    sameCounts(m.votes, n.votes)
  );
}

const NoteShape = memo(function NoteShape(props: NoteShapeProps) {
  const { note: n, readable } = props;
  const footer: string[] = [];
  if (props.monthLabel) footer.push(props.monthLabel);
  if (props.clusterLabel) footer.push(`▣ ${props.clusterLabel}`);
  if (n.author) footer.push(n.author);
  if (props.groupLabel) footer.push(props.groupLabel);
  if (n.offstage === 'private') footer.push(props.labels.onlyYou);
  else if (n.offstage === 'hidden') footer.push(props.labels.hidden);
  else if (props.mine) footer.push(props.labels.yours);
  const reactions = Object.entries(n.reactions)
    .map(([k, v]) => `${REACTION_ICON[k] ?? k} ${v}`)
    .join('  ');
  return (
    <Group
      x={n.x}
      y={n.y}
      draggable={props.draggable}
      name="note"
      id={`note-${n.id}`}
      onDragEnd={(e) => {
        e.cancelBubble = true;
        props.onMove?.(n.id, Math.round(e.target.x()), Math.round(e.target.y()));
      }}
      onClick={(e) => {
        e.cancelBubble = true;
        props.onSelect?.(n.id, e.evt.shiftKey || e.evt.ctrlKey || e.evt.metaKey);
      }}
      onTap={(e) => {
        e.cancelBubble = true;
        props.onSelect?.(n.id, false);
      }}
      onDblClick={(e) => {
        e.cancelBubble = true;
        props.onOpen?.(n.id);
      }}
      onDblTap={(e) => {
        e.cancelBubble = true;
        props.onOpen?.(n.id);
      }}
    >
      <Rect
        width={NOTE_SIZE}
        height={NOTE_SIZE}
        fill={props.contrast ? '#ffffff' : (props.fill ?? NOTE_FILL[n.color])}
        cornerRadius={6}
        shadowColor="#000"
        shadowOpacity={0.18}
        shadowBlur={8}
        shadowOffsetY={3}
        shadowEnabled={props.shadow}
        shadowForStrokeEnabled={false}
        perfectDrawEnabled={false}
        stroke={
          props.selected
            ? '#1f6f8b'
            : props.highlighted
              ? '#c0392b'
              : n.offstage
                ? ACCENT
                : props.mine || props.contrast
                  ? props.contrast
                    ? '#000000'
                    : '#7a8a91'
                  : undefined
        }
        strokeWidth={props.selected ? 6 : props.highlighted ? 5 : props.contrast ? 3 : 2}
        dash={n.pending || n.offstage ? [8, 6] : undefined}
        opacity={n.offstage === 'hidden' ? 0.55 : props.dimmed ? 0.25 : 1}
      />
      {props.mine && (
        // The author's own mark: a folded corner, visible at any zoom. Only the author sees it.
        <Line
          points={[NOTE_SIZE - OWN_CORNER, 0, NOTE_SIZE, 0, NOTE_SIZE, OWN_CORNER]}
          closed
          fill={ACCENT}
          opacity={props.dimmed ? 0.25 : 0.9}
          listening={false}
        />
      )}
      {readable && (
        <Text
          text={n.text}
          x={12}
          y={12}
          width={NOTE_SIZE - 24}
          height={NOTE_SIZE - 44}
          fontSize={16}
          lineHeight={1.25}
          fill={NOTE_TEXT}
          wrap="word"
          ellipsis
          listening={false}
        />
      )}
      {readable && (footer.length > 0 || reactions) && (
        <Text
          text={[reactions, footer.join(' · ')].filter(Boolean).join('   ')}
          x={10}
          y={NOTE_SIZE - 26}
          width={NOTE_SIZE - 20}
          fontSize={12}
          fill="#3d4b50"
          wrap="none"
          ellipsis
          listening={false}
        />
      )}
      {props.votes !== undefined && props.votes > 0 && (
        <Group x={NOTE_SIZE - 18} y={-10} listening={false}>
          <Circle radius={16} fill="#c0392b" />
          <Text
            text={String(props.votes)}
            x={-16}
            y={-8}
            width={32}
            align="center"
            fontSize={16}
            fontStyle="bold"
            fill="#fff"
          />
        </Group>
      )}
    </Group>
  );
}, sameNoteShape);

/**
 * How long the facilitator's pointer glides to a new position: on a large board the server relays
 * it only once or twice a second, and a glide reads better than a jump.
 */
const POINTER_GLIDE_S = 0.25;

function PointerDot(props: { x: number; y: number; scale: number }) {
  const ref = useRef<Konva.Circle>(null);
  // Konva moves the dot; React only places it the first time.
  const [first] = useState(() => ({ x: props.x, y: props.y }));
  useEffect(() => {
    const dot = ref.current;
    if (!dot) return;
    const tween = new Konva.Tween({ node: dot, x: props.x, y: props.y, duration: POINTER_GLIDE_S });
    tween.play();
    return () => tween.destroy();
  }, [props.x, props.y]);
  return (
    <Circle
      ref={ref}
      x={first.x}
      y={first.y}
      radius={14 / props.scale}
      fill="#e74c3c"
      opacity={0.85}
      stroke="#fff"
      strokeWidth={3 / props.scale}
      listening={false}
    />
  );
}

/** Every note in view as plain rectangles in one shape: the board seen from far away. */
function NotesOverview(props: {
  notes: ViewNote[];
  fillOf: (n: ViewNote) => string;
  marked: (n: ViewNote) => boolean;
}) {
  const { notes, fillOf, marked } = props;
  return (
    <Shape
      listening={false}
      perfectDrawEnabled={false}
      sceneFunc={(ctx) => {
        for (const n of notes) {
          ctx.fillStyle = fillOf(n);
          ctx.fillRect(n.x, n.y, NOTE_SIZE, NOTE_SIZE);
        }
        ctx.lineWidth = 24;
        ctx.strokeStyle = '#c0392b';
        for (const n of notes) if (marked(n)) ctx.strokeRect(n.x, n.y, NOTE_SIZE, NOTE_SIZE);
      }}
    />
  );
}

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
    () => ({ yours: t('board.yours'), onlyYou: t('board.onlyYou'), hidden: t('board.hidden') }),
    [t],
  );
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
