/**
 * The board's colours, shared by the live canvas and the exported images so both show the same
 * picture. Note fills are pastels that keep dark text above 4.5:1 contrast (WCAG AA).
 */
import type { NoteColor } from './board.js';

export const NOTE_FILL: Record<NoteColor, string> = {
  yellow: '#fff3a8',
  pink: '#ffd6e4',
  green: '#c9f0cf',
  blue: '#cfe6ff',
  orange: '#ffdcb8',
  purple: '#e4d7ff',
};
export const NOTE_TEXT = '#1d1d1f';
export const NOTE_META_TEXT = '#3d4b50';
export const PROMPT_FILL = '#f7f9fa';
export const PROMPT_STROKE = '#b9c6cc';
export const PROMPT_TITLE = '#16323d';
export const PROMPT_TITLE_FILL = '#e3edf1';
export const PROMPT_DESCRIPTION = '#44606b';
export const ACCENT = '#1f6f8b';
export const VOTE_FILL = '#c0392b';
/** Role-group badge colours (white text on them), in the order of the board's groups. */
export const GROUP_BADGE = [
  '#1f6f8b',
  '#2e7d32',
  '#ad1457',
  '#b35900',
  '#5e35b1',
  '#6d6d00',
  '#00796b',
  '#795548',
  '#37474f',
  '#c62828',
  '#283593',
  '#558b2f',
] as const;
/** Season fills of the annual clock's sectors. */
export const SEASON_FILL = {
  winter: '#e3eef8',
  spring: '#e4f4e0',
  summer: '#fff5cf',
  autumn: '#fbe6d4',
} as const;
export const WHEEL_STROKE = '#9fb3bd';
export const WHEEL_TEXT = '#3a4d55';
