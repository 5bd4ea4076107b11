/** The board seen from far away: every note in view as a plain rectangle. */
import { Shape } from 'react-konva';
import { NOTE_SIZE } from '@pajataulu/shared';
import type { ViewNote } from '../../board/overlay.js';

/** Every note in view as plain rectangles in one shape: the board seen from far away. */
export function NotesOverview(props: {
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
