/** A prompt: an area with a title that notes are written into; a facilitator moves and resizes it. */
import { useRef, useState } from 'react';
import { Group, Rect, Text } from 'react-konva';
import type Konva from 'konva';
import { MAX_PROMPT_SIZE, MIN_PROMPT_SIZE, type Prompt } from '@pajataulu/shared';
import { ACCENT, PROMPT_FILL, PROMPT_STROKE, PROMPT_TITLE } from '../colors.js';
import { MIN_READABLE_PX } from './scale.js';

export function PromptShape(props: {
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
