/** The facilitator's pointer, as participants see it. */
import { useEffect, useRef, useState } from 'react';
import { Circle } from 'react-konva';
import Konva from 'konva';

/**
 * How long the facilitator's pointer glides to a new position: on a large board the server relays
 * it only once or twice a second, and a glide reads better than a jump.
 */
const POINTER_GLIDE_S = 0.25;

export function PointerDot(props: { x: number; y: number; scale: number }) {
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
