/**
 * One note: its text, colour, reactions and votes, and the marks of its state (own, private,
 * hidden, picked). Drawn again only when something it shows changed.
 */
import { memo } from 'react';
import { Circle, Group, Line, Rect, Text } from 'react-konva';
import { NOTE_SIZE } from '@pajataulu/shared';
import type { ViewNote } from '../../board/overlay.js';
import { ACCENT, NOTE_FILL, NOTE_TEXT } from '../colors.js';

/** Side of the corner that marks a user's own notes. */
const OWN_CORNER = 26;
const REACTION_ICON: Record<string, string> = { heart: '♥', clap: '👏', idea: '💡', agree: '+1' };

/** The words a note's marks use, in the user's language. */
export interface NoteLabels {
  yours: string;
  onlyYou: string;
  hidden: string;
  /** A note whose text the facilitator changed, as everyone sees it, and as its author does. */
  edited: string;
  editedYours: string;
}

/** Height of one line of the mark on a note the facilitator edited; its author's takes two. */
const EDITED_LINE = 15;

export interface NoteShapeProps {
  note: ViewNote;
  mine: boolean;
  draggable: boolean;
  /** Whether text is drawn (the zoom makes it readable). */
  readable: boolean;
  shadow: boolean;
  groupLabel: string | undefined;
  /** Facilitators only: the mark of a note the server flagged as holding personal data. */
  flagLabel: string | undefined;
  labels: NoteLabels;
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
  const labels = Object.keys(a.labels) as (keyof NoteLabels)[];
  return (
    labels.every((k) => a.labels[k] === b.labels[k]) &&
    m.editedByFacilitator === n.editedByFacilitator &&
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

export const NoteShape = memo(function NoteShape(props: NoteShapeProps) {
  const { note: n, readable } = props;
  const footer: string[] = [];
  if (props.monthLabel) footer.push(props.monthLabel);
  if (props.clusterLabel) footer.push(`▣ ${props.clusterLabel}`);
  if (n.author) footer.push(n.author);
  if (props.groupLabel) footer.push(props.groupLabel);
  if (props.flagLabel) footer.push(`⚠ ${props.flagLabel}`);
  if (n.offstage === 'private') footer.push(props.labels.onlyYou);
  else if (n.offstage === 'hidden') footer.push(props.labels.hidden);
  else if (props.mine) footer.push(props.labels.yours);
  const reactions = Object.entries(n.reactions)
    .map(([k, v]) => `${REACTION_ICON[k] ?? k} ${v}`)
    .join('  ');
  // Its own line, so no footer pushes it out of sight; the author is told in more words.
  const edited = n.editedByFacilitator
    ? props.mine
      ? props.labels.editedYours
      : props.labels.edited
    : undefined;
  const editedHeight = edited ? EDITED_LINE * (props.mine ? 2 : 1) : 0;
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
          height={NOTE_SIZE - 44 - editedHeight}
          fontSize={16}
          lineHeight={1.25}
          fill={NOTE_TEXT}
          wrap="word"
          ellipsis
          listening={false}
        />
      )}
      {readable && edited && (
        <Text
          text={edited}
          name="edited-mark"
          x={10}
          y={NOTE_SIZE - 28 - editedHeight}
          width={NOTE_SIZE - 20}
          height={editedHeight}
          fontSize={12}
          lineHeight={EDITED_LINE / 12}
          fontStyle="italic"
          fill="#6b3e00"
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
