/**
 * The board's keyboard shortcuts, as one table: the key handler looks keys up in it and the help
 * dialog lists it, so the two cannot disagree. Typing in a field is left alone.
 */
import { canEver } from '@pajataulu/shared';
import { PAN_STEP, type BoardStore } from './store.js';

/** The part of a keyboard event a shortcut looks at. */
export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  target: EventTarget | null;
}

/**
 * `plain`: no Ctrl, Cmd or Alt held. `mod`: Ctrl or Cmd held (Shift as the action likes).
 * `pointer`: a gesture of the mouse, listed in the help only.
 */
export type Chord = 'plain' | 'mod' | 'pointer';

export interface Shortcut {
  /** `KeyboardEvent.key` values that trigger it. */
  keys: readonly string[];
  chord: Chord;
  /** `canvas`: only while the canvas is on screen and may be moved (not the list, not a projector). */
  scope: 'board' | 'canvas';
  /** What the help dialog shows as the keys; none: not listed. */
  shows?: string;
  /** Catalogue key of what it does, in the help dialog. */
  label?: string;
  /** Whether it applies for this user now; when not, the key does what it would do anyway. */
  when?: (store: BoardStore) => boolean;
  /** Leave the key's own effect too (Escape also closes what the browser closes). */
  passThrough?: boolean;
  run: (store: BoardStore, e: KeyInput) => void;
}

const PAN: Readonly<Record<string, readonly [number, number]>> = {
  ArrowLeft: [PAN_STEP, 0],
  ArrowRight: [-PAN_STEP, 0],
  ArrowUp: [0, PAN_STEP],
  ArrowDown: [0, -PAN_STEP],
};

/** Every shortcut, in the order the help dialog lists them. */
export const SHORTCUTS: readonly Shortcut[] = [
  {
    keys: Object.keys(PAN),
    chord: 'plain',
    scope: 'canvas',
    shows: '← ↑ → ↓',
    label: 'shortcuts.pan',
    run: (s, e) => {
      const [dx, dy] = PAN[e.key] ?? [0, 0];
      s.panBy(dx, dy);
    },
  },
  {
    keys: ['+', '=', '-'],
    chord: 'plain',
    scope: 'canvas',
    shows: '+ / −',
    label: 'shortcuts.zoom',
    run: (s, e) => (e.key === '-' ? s.zoomOut() : s.zoomIn()),
  },
  {
    keys: ['0'],
    chord: 'plain',
    scope: 'canvas',
    shows: '0',
    label: 'shortcuts.fit',
    run: (s) => s.fitView(),
  },
  {
    keys: ['n', 'N'],
    chord: 'plain',
    scope: 'canvas',
    shows: 'N',
    label: 'shortcuts.newNote',
    when: (s) => canEver(s.role, 'note.add'),
    run: (s) => s.addNoteInView(),
  },
  {
    keys: ['l', 'L'],
    chord: 'plain',
    scope: 'board',
    shows: 'L',
    label: 'shortcuts.list',
    run: (s) => s.toggleList(),
  },
  {
    keys: ['z', 'Z'],
    chord: 'mod',
    scope: 'board',
    shows: 'Ctrl + Z / Ctrl + Shift + Z',
    label: 'shortcuts.undo',
    run: (s, e) => (e.shiftKey ? s.redo() : s.undo()),
  },
  {
    keys: [],
    chord: 'pointer',
    scope: 'canvas',
    shows: 'Shift + click',
    label: 'shortcuts.select',
    run: () => undefined,
  },
  {
    keys: ['?'],
    chord: 'plain',
    scope: 'board',
    shows: '?',
    label: 'shortcuts.help',
    run: (s) => s.toggleHelp(),
  },
  {
    keys: ['Escape'],
    chord: 'plain',
    scope: 'board',
    passThrough: true,
    run: (s) => s.closeHelp(),
  },
];

/** The rows of the help dialog: the keys as shown, and the catalogue key of what they do. */
export const SHORTCUT_HELP: readonly { shows: string; label: string }[] = SHORTCUTS.flatMap((s) =>
  s.shows && s.label ? [{ shows: s.shows, label: s.label }] : [],
);

/**
 * Whether the key goes to a field: text fields always; a select too for plain keys, which pick
 * its options by letter.
 */
function typing(target: EventTarget | null, chord: Chord): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return (
    tag === 'INPUT' ||
    tag === 'TEXTAREA' ||
    el.isContentEditable === true ||
    (chord === 'plain' && tag === 'SELECT')
  );
}

function chordOf(e: KeyInput): Chord | undefined {
  if (e.ctrlKey || e.metaKey) return 'mod';
  return e.altKey ? undefined : 'plain';
}

/**
 * Runs the shortcut for `e`, if one applies; returns whether one did and the key's own effect
 * should be prevented.
 */
export function handleShortcut(store: BoardStore, e: KeyInput): boolean {
  const chord = chordOf(e);
  if (!chord || typing(e.target, chord)) return false;
  const s = SHORTCUTS.find((x) => x.chord === chord && x.keys.includes(e.key));
  if (!s) return false;
  if (s.scope === 'canvas' && (store.getState().listMode || store.projector)) return false;
  if (s.when && !s.when(store)) return false;
  s.run(store, e);
  return !s.passThrough;
}
