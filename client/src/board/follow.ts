/**
 * Follow-me: a facilitator asks everyone to look where they look (or at one prompt), and each
 * screen shows the same area of the board, whatever its size.
 */
import {
  MAX_ZOOM,
  MIN_ZOOM,
  type CommandInput,
  type FollowState,
  type Prompt,
} from '@pajataulu/shared';
import { fit, toWorld, type View } from './view.js';

/** Width of the screen a follow-me zoom is expressed for. */
export const FOLLOW_REFERENCE_WIDTH = 1000;

/** Where a screen of `width` × `height` looks while following `follow`; null when it cannot. */
export function followView(
  follow: FollowState,
  prompts: readonly Prompt[],
  width: number,
  height: number,
): View | null {
  if (follow.mode === 'off' || width === 0) return null;
  if (follow.mode === 'prompt') {
    const p = prompts.find((x) => x.id === follow.promptId);
    return p ? fit(p, width, height, 24, 2) : null;
  }
  // The facilitator's scale is sent for a 1000-pixel-wide screen; a phone sees the same area.
  const scale = (follow.zoom * width) / FOLLOW_REFERENCE_WIDTH;
  return { scale, x: width / 2 - follow.x * scale, y: height / 2 - follow.y * scale };
}

/** The command that asks everyone to look at what `view` shows on a `width` × `height` screen. */
export function followRequest(view: View, width: number, height: number): CommandInput {
  const c = toWorld(view, { x: width / 2, y: height / 2 });
  const zoom = (view.scale * FOLLOW_REFERENCE_WIDTH) / Math.max(width, 1);
  return {
    type: 'follow.set',
    mode: 'view',
    x: Math.round(c.x),
    y: Math.round(c.y),
    zoom: Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom)),
  };
}
