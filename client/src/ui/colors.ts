/** The board's colours: the shared palette (also used by image export) and the client's own. */
export {
  ACCENT,
  NOTE_FILL,
  NOTE_TEXT,
  PROMPT_FILL,
  PROMPT_STROKE,
  PROMPT_TITLE,
} from '@pajataulu/shared';
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
