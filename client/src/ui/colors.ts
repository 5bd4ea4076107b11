/** Note colours: pastel fills that keep dark text above 4.5:1 contrast (WCAG AA). */
import type { NoteColor } from '@pajataulu/shared';

export const NOTE_FILL: Record<NoteColor, string> = {
  yellow: '#fff3a8',
  pink: '#ffd6e4',
  green: '#c9f0cf',
  blue: '#cfe6ff',
  orange: '#ffdcb8',
  purple: '#e4d7ff',
};
export const NOTE_TEXT = '#1d1d1f';
export const PROMPT_FILL = '#f7f9fa';
export const PROMPT_STROKE = '#b9c6cc';
export const PROMPT_TITLE = '#16323d';
export const ACCENT = '#1f6f8b';
/** Fills used when notes are coloured by role group, in the order of the board's groups. */
export const GROUP_FILL = [
  '#cfe6ff',
  '#c9f0cf',
  '#ffd6e4',
  '#ffdcb8',
  '#e4d7ff',
  '#fff3a8',
  '#d9f2f2',
  '#f2e2c9',
];
