/** The zoom levels at which the canvas draws less, so that a large board stays smooth. */

/** Text smaller than this on screen is not drawn: an outline reads better than a smear. */
export const MIN_READABLE_PX = 5;
/**
 * Below this zoom a note is under 24 pixels wide: notes are drawn as one shape of rectangles,
 * without text, shadows or hit-testing (zoom in to pick one).
 */
export const OVERVIEW_SCALE = 0.15;
/** Below this zoom notes are drawn without their drop shadow. */
export const SHADOW_SCALE = 0.5;
