/**
 * The render benchmark's baseline: the board drawn the plain react-konva way, every note mounted
 * as a group of a rectangle and its text, with the same pan (drag the stage) and zoom (wheel at
 * the pointer) as the app. Bundled by the benchmark with esbuild; never shipped.
 */
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Group, Layer, Rect, Stage, Text } from 'react-konva';
import type Konva from 'konva';

interface BenchNote {
  id: string;
  x: number;
  y: number;
  text: string;
}
interface View {
  x: number;
  y: number;
  scale: number;
}

const NOTE_SIZE = 160;
const ZOOM_STEP = 1.2;
const MARGIN = 40;
const MAX_FIT_SCALE = 1.5;

declare global {
  interface Window {
    __rendered?: number;
  }
}

function fit(notes: BenchNote[], width: number, height: number): View {
  const x0 = Math.min(...notes.map((n) => n.x));
  const y0 = Math.min(...notes.map((n) => n.y));
  const x1 = Math.max(...notes.map((n) => n.x + NOTE_SIZE));
  const y1 = Math.max(...notes.map((n) => n.y + NOTE_SIZE));
  const scale = Math.min(
    (width - 2 * MARGIN) / (x1 - x0),
    (height - 2 * MARGIN) / (y1 - y0),
    MAX_FIT_SCALE,
  );
  return {
    scale,
    x: width / 2 - ((x0 + x1) / 2) * scale,
    y: height / 2 - ((y0 + y1) / 2) * scale,
  };
}

function Board({ notes }: { notes: BenchNote[] }) {
  const width = window.innerWidth;
  const height = window.innerHeight;
  const [view, setView] = useState<View>(() => fit(notes, width, height));
  useEffect(() => {
    requestAnimationFrame(() =>
      requestAnimationFrame(() => (window.__rendered = performance.now())),
    );
  }, []);
  const onWheel = (e: Konva.KonvaEventObject<WheelEvent>) => {
    e.evt.preventDefault();
    const stage = e.target.getStage();
    const at = stage?.getPointerPosition() ?? { x: width / 2, y: height / 2 };
    const factor = Math.pow(ZOOM_STEP, -e.evt.deltaY / 100);
    const scale = view.scale * factor;
    const wx = (at.x - view.x) / view.scale;
    const wy = (at.y - view.y) / view.scale;
    setView({ scale, x: at.x - wx * scale, y: at.y - wy * scale });
  };
  return (
    <Stage
      width={width}
      height={height}
      x={view.x}
      y={view.y}
      scaleX={view.scale}
      scaleY={view.scale}
      draggable
      onWheel={onWheel}
      onDragEnd={(e) => setView({ ...view, x: e.target.x(), y: e.target.y() })}
    >
      <Layer>
        {notes.map((n) => (
          <Group key={n.id} x={n.x} y={n.y} draggable>
            <Rect
              width={NOTE_SIZE}
              height={NOTE_SIZE}
              fill="#fff59d"
              cornerRadius={6}
              shadowColor="#000"
              shadowOpacity={0.18}
              shadowBlur={8}
              shadowOffsetY={3}
            />
            <Text
              text={n.text}
              x={12}
              y={12}
              width={NOTE_SIZE - 24}
              height={NOTE_SIZE - 44}
              fontSize={16}
              lineHeight={1.25}
              wrap="word"
              ellipsis
            />
          </Group>
        ))}
      </Layer>
    </Stage>
  );
}

void fetch('/board.json')
  .then((r) => r.json() as Promise<{ board: { notes: BenchNote[] } }>)
  .then((backup) => {
    createRoot(document.getElementById('root')!).render(<Board notes={backup.board.notes} />);
  });
