/**
 * What the browser remembers: per board, a participant's session and a facilitator's key; and the
 * screen's settings.
 */
import type { Joined } from './api.js';

const sessionKey = (code: string) => `pajataulu:session:${code}`;
const facilitatorKey = (code: string) => `pajataulu:facilitator:${code}`;
const projectorKey = (code: string) => `pajataulu:projector:${code}`;

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Private mode: nothing is remembered beyond this page.
  }
}

export function savedSession(code: string): Joined | undefined {
  const raw = read(sessionKey(code));
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<Joined>;
    return typeof v.token === 'string' && typeof v.boardId === 'string' ? (v as Joined) : undefined;
  } catch {
    return undefined;
  }
}
export function saveSession(code: string, s: Joined | null): void {
  write(sessionKey(code), s ? JSON.stringify(s) : null);
}
export function savedFacilitatorKey(code: string): string | undefined {
  return read(facilitatorKey(code)) ?? undefined;
}
export function saveFacilitatorKey(code: string, key: string): void {
  write(facilitatorKey(code), key);
}
/**
 * The projector key: kept by the projector itself (so a reload works once the key has left the
 * address bar) and by the browser that created the board (to show the projector link again).
 */
export function savedProjectorKey(code: string): string | undefined {
  return read(projectorKey(code)) ?? undefined;
}
export function saveProjectorKey(code: string, key: string): void {
  write(projectorKey(code), key);
}
/** Where the pending commands of one board and role are kept. */
export function queueKey(code: string, role: string): string {
  return `pajataulu:queue:${code}:${role}`;
}

/** The screen's settings (high contrast), kept in this browser. */
export const localSettings = { read, write };
