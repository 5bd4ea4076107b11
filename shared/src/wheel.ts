/**
 * The work-wellbeing annual clock: a wheel of twelve month sectors, January at twelve o'clock and
 * the months running clockwise. A note belongs to the month under its centre.
 */

export interface Wheel {
  /** Centre. */
  x: number;
  y: number;
  /** Outer radius. */
  r: number;
}

/** The hub (where the title sits) is this fraction of the radius; notes there have no month. */
export const WHEEL_HUB_FRACTION = 0.22;

/** The seasons, as the months they span (1 = January). */
export const SEASONS = {
  winter: [12, 1, 2],
  spring: [3, 4, 5],
  summer: [6, 7, 8],
  autumn: [9, 10, 11],
} as const;
export type Season = keyof typeof SEASONS;

/** The month (1–12) whose sector holds `pt`, or null outside the ring. */
export function monthAt(wheel: Wheel, pt: { x: number; y: number }): number | null {
  const dx = pt.x - wheel.x;
  const dy = pt.y - wheel.y;
  const dist = Math.hypot(dx, dy);
  if (dist > wheel.r || dist < wheel.r * WHEEL_HUB_FRACTION) return null;
  // Angle clockwise from twelve o'clock, in [0, 2π).
  const angle = (Math.atan2(dx, -dy) + 2 * Math.PI) % (2 * Math.PI);
  return Math.min(12, Math.floor(angle / (Math.PI / 6)) + 1);
}

/** The sector of a month: start and end angle, clockwise from twelve o'clock, in radians. */
export function monthSector(month: number): { start: number; end: number } {
  const start = ((month - 1) * Math.PI) / 6;
  return { start, end: start + Math.PI / 6 };
}

/** The season a month belongs to. */
export function seasonOf(month: number): Season {
  for (const [s, months] of Object.entries(SEASONS) as [Season, readonly number[]][]) {
    if (months.includes(month)) return s;
  }
  return 'winter';
}
