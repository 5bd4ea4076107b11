/**
 * The board screen's state engine, beside the {@link BoardConnection} it wraps: where the user
 * looks (and whether they follow the facilitator), what is being edited or selected, the screen's
 * settings, the refusal on show, and undo and redo of this user's own edits. Components read its
 * state through {@link BoardStore.subscribe} and {@link BoardStore.getState} (`useBoard`) and
 * change it only through its methods; nothing here depends on React or on the browser.
 */
import {
  canEver,
  NOTE_SIZE,
  notesMoveCommands,
  randomId,
  type CommandInput,
  type ErrorCode,
  type Locale,
  type Role,
  type TemplateKind,
} from '@pajataulu/shared';
import type { BoardConnection, ConnectionState } from './connection.js';
import { followRequest, followView } from './follow.js';
import { UndoHistory } from './history.js';
import type { ViewNote } from './overlay.js';
import {
  contentBounds,
  fit,
  freeSpot,
  toScreen,
  toWorld,
  zoomAt,
  ZOOM_STEP,
  type Rect,
  type View,
} from './view.js';

/** Below this width the editor docks to the top and panels cover the board. */
export const COMPACT_WIDTH = 640;
/** A new note is zoomed to at least this scale, so it can be read while typing. */
export const READABLE_SCALE = 0.8;
/** Space between a new prompt and the content beside it, and a new prompt's size. */
export const PROMPT_GAP = 80;
export const NEW_PROMPT_W = 600;
export const NEW_PROMPT_H = 500;
/** How far an arrow key pans the canvas, in screen pixels. */
export const PAN_STEP = 80;
/** How long a refusal stays on screen. */
export const TOAST_MS = 4_000;
/** Where the high-contrast choice is remembered. */
export const HIGH_CONTRAST_KEY = 'pajataulu:high-contrast';

/**
 * Where the screen's settings are remembered (localStorage in the browser). Neither method
 * throws: where nothing can be remembered, a setting still applies on this page.
 */
export interface SettingsStore {
  read(key: string): string | null;
  write(key: string, value: string): void;
}

/** What an editor is open for: a note's text, a prompt, or a note's actions (vote, react). */
export interface Editing {
  kind: 'note' | 'prompt' | 'actions';
  id: string;
}

/** What the screen keeps for itself and shows as it is. */
export interface ScreenState {
  /** The stage's size in pixels (0 until it is measured). */
  width: number;
  height: number;
  editing: Editing | null;
  /** The facilitator's tools beside (or over) the board. */
  panel: boolean;
  /** Notes a facilitator picked (Shift + click) for bulk moves, colours and clusters. */
  selected: ReadonlySet<string>;
  /** The label being typed for a cluster of the picked notes (kept while nothing is picked). */
  clusterLabel: string;
  /** The board as an accessible list instead of a canvas. */
  listMode: boolean;
  highContrast: boolean;
  /** The shortcut help dialog. */
  help: boolean;
  /** Only this group's notes at full strength. */
  filterGroup: string | undefined;
  colorByGroup: boolean;
}

/** Everything the board screen reads; replaced whole on every change. */
export interface BoardUiState extends ScreenState {
  connection: ConnectionState;
  /** A phone-sized stage. */
  compact: boolean;
  /** Where the canvas looks: the facilitator's view when following, else the user's or a fit. */
  view: View;
  /** Whether this screen follows the facilitator now. */
  following: boolean;
  /** The refusal on show, until it is {@link TOAST_MS} old. */
  toast: ErrorCode | undefined;
  canUndo: boolean;
  canRedo: boolean;
}

/** Options of {@link BoardStore}; the browser passes its own, tests theirs. */
export interface BoardStoreOptions {
  conn: BoardConnection;
  role: Role;
  settings: SettingsStore;
  /** The window's width when the board opens (the list is the default on phones). */
  screenWidth: number;
  /** The browser's contrast preference, used until the user chooses. */
  prefersContrast: boolean;
  /** Randomness for where a new note lands (a little scatter). */
  random?: () => number;
}

/** The local part of the state, from which {@link BoardUiState} is derived. */
interface Local extends ScreenState {
  /** Until the user pans or zooms, the view fits the content (and always does on a projector). */
  userView: View | null;
  /** The follow request the user moved away from. */
  awayFromSeq: number | null;
  /** A note just added from this screen: cancelling its editor while it is empty removes it. */
  freshNote: string | undefined;
  /** Refusals up to this time are no longer shown. */
  dismissedAt: number;
}

/** The board screen's engine for one board and one user. See the module comment. */
export class BoardStore {
  readonly conn: BoardConnection;
  readonly role: Role;
  private readonly settings: SettingsStore;
  private readonly random: () => number;
  /** Undo and redo of this user's own edits; the history lives as long as the page. */
  private readonly history = new UndoHistory();
  private local: Local;
  private state: BoardUiState;
  private readonly listeners = new Set<() => void>();
  private toastTimer: ReturnType<typeof setTimeout> | undefined;
  private seenError: ConnectionState['lastError'];
  /** The last fit of the content, kept while the content and the stage stay the same. */
  private fitted: { key: readonly unknown[]; view: View } | undefined;
  private readonly unsubscribe: () => void;

  constructor(opts: BoardStoreOptions) {
    this.conn = opts.conn;
    this.role = opts.role;
    this.settings = opts.settings;
    this.random = opts.random ?? Math.random;
    const saved = this.settings.read(HIGH_CONTRAST_KEY);
    this.local = {
      width: 0,
      height: 0,
      userView: null,
      awayFromSeq: null,
      editing: null,
      freshNote: undefined,
      // Open beside the board on wide screens; on a phone it would cover the board.
      panel: opts.role === 'facilitator' && opts.screenWidth >= COMPACT_WIDTH,
      selected: new Set(),
      clusterLabel: '',
      // The list is the default on narrow screens (phones), where a canvas is hardest to use.
      listMode: opts.screenWidth < COMPACT_WIDTH,
      // The browser's preference, or the user's choice, remembered.
      highContrast: saved === null ? opts.prefersContrast : saved === '1',
      help: false,
      filterGroup: undefined,
      colorByGroup: false,
      dismissedAt: 0,
    };
    this.state = this.derive();
    this.seenError = this.state.connection.lastError;
    this.unsubscribe = this.conn.subscribe(() => this.onConnection());
  }

  /** Calls `listener` after every change of {@link getState}; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The current state; the same object until something changes (for `useSyncExternalStore`). */
  getState = (): BoardUiState => this.state;

  get facilitator(): boolean {
    return this.role === 'facilitator';
  }
  get projector(): boolean {
    return this.role === 'projector';
  }

  /** Stops the toast timer and closes the connection. */
  close(): void {
    clearTimeout(this.toastTimer);
    this.unsubscribe();
    this.listeners.clear();
    this.conn.close();
  }

  // --- commands ---

  /** Runs a command this user may undo. */
  act = (c: CommandInput): void => {
    this.history.record(c, this.conn.getState().board);
    this.conn.run(c);
    this.update({});
  };

  /** Runs a command that is not undone (moderation, workshop controls, votes). */
  run = (c: CommandInput): void => {
    this.conn.run(c);
  };

  undo = (): void => {
    for (const c of this.history.undo()) this.conn.run(c);
    this.update({});
  };

  redo = (): void => {
    for (const c of this.history.redo()) this.conn.run(c);
    this.update({});
  };

  /** Whether this user may change note `n` now. */
  canEdit = (n: ViewNote): boolean => {
    const s = this.conn.getState();
    return (
      this.facilitator || (this.role === 'participant' && s.own.has(n.id) && !s.board.meta.locked)
    );
  };

  // --- the view ---

  /** The stage was measured. */
  setSize(width: number, height: number): void {
    if (width === this.local.width && height === this.local.height) return;
    this.update({ width, height });
  }

  /** The user looked somewhere (null: fit the content); a follow request is left for now. */
  setView = (v: View | null): void => {
    const follow = this.conn.getState().board.meta.follow;
    this.update({
      userView: v,
      ...(this.state.following ? { awayFromSeq: follow.seq } : {}),
    });
  };

  fitView = (): void => this.setView(null);

  panBy(dx: number, dy: number): void {
    const v = this.state.view;
    this.setView({ ...v, x: v.x + dx, y: v.y + dy });
  }

  /** Zooms by `factor` about the middle of the stage. */
  zoomBy(factor: number): void {
    this.setView(zoomAt(this.state.view, factor, this.centre()));
  }

  zoomIn = (): void => this.zoomBy(ZOOM_STEP);
  zoomOut = (): void => this.zoomBy(1 / ZOOM_STEP);

  /** Looks at `rect`, as large as fits with `margin` pixels around it, at most `maxScale`. */
  look(rect: Rect, margin: number, maxScale: number): void {
    this.setView(fit(rect, this.local.width, this.local.height, margin, maxScale));
  }

  /** Follows the facilitator again after moving away. */
  returnToFollow = (): void => this.update({ awayFromSeq: null });

  /** Asks everyone to look where this facilitator looks. */
  bringEveryone = (): void => {
    this.run(followRequest(this.state.view, this.local.width, this.local.height));
  };

  // --- adding ---

  /** Adds an empty note at `at` (world) and opens its editor. */
  addNoteAt = (at: { x: number; y: number }): void => {
    if (!canEver(this.role, 'note.add')) return;
    // The view as it was before the note: a fitted view would change with it.
    const { view } = this.state;
    const held = this.local.userView;
    const id = randomId(20);
    this.act({ type: 'note.add', id, x: at.x, y: at.y, text: '' });
    // Bring a note added from far out close enough to read and type into.
    if (view.scale < READABLE_SCALE) {
      this.setView(
        zoomAt(
          view,
          READABLE_SCALE / view.scale,
          toScreen(view, { x: at.x + NOTE_SIZE / 2, y: at.y + NOTE_SIZE / 2 }),
        ),
      );
    } else if (!held) {
      // Hold the view still while typing: a fitted view would move with every note others add.
      this.update({ userView: view });
    }
    this.update({ freshNote: id, editing: { kind: 'note', id } });
  };

  /** Adds a note in the middle of the view, on a free spot. */
  addNoteInView = (): void => {
    // A little scatter too: notes written privately at the same moment cannot see each other.
    const c = toWorld(this.state.view, this.centre());
    const scatter = () => (this.random() - 0.5) * NOTE_SIZE;
    const notes = this.conn.getState().board.notes;
    this.addNoteAt(freeSpot(notes, { x: c.x + scatter(), y: c.y + scatter() }));
  };

  /** Adds a prompt titled `title` beside what is there already, and opens its editor. */
  addPrompt(title: string): void {
    const board = this.conn.getState().board;
    // Beside what is there already, so a new area never covers another.
    const bounds = contentBounds(board.prompts, board.notes);
    const c = toWorld(this.state.view, this.centre());
    const at = bounds
      ? { x: bounds.x + bounds.w + PROMPT_GAP, y: bounds.y }
      : { x: c.x - NEW_PROMPT_W / 2, y: c.y - NEW_PROMPT_H / 2 };
    const id = randomId(20);
    const rect = { x: Math.round(at.x), y: Math.round(at.y), w: NEW_PROMPT_W, h: NEW_PROMPT_H };
    this.act({ type: 'prompt.add', id, title, ...rect });
    this.look(rect, 60, 1);
    this.update({ editing: { kind: 'prompt', id } });
  }

  /** Inserts a template's prompts below the content, in `locale`. */
  insertTemplate(template: TemplateKind, locale: Locale): void {
    const board = this.conn.getState().board;
    const b = contentBounds(board.prompts, board.notes);
    this.run({
      type: 'template.insert',
      template,
      locale,
      x: Math.round(b ? b.x : 0),
      y: Math.round(b ? b.y + b.h + PROMPT_GAP : 0),
    });
  }

  // --- notes ---

  /** A click on a note: a facilitator's Shift + click (or any click while picking) picks it. */
  selectNote = (id: string, additive: boolean): void => {
    const { selected } = this.local;
    if (this.facilitator && (additive || selected.size > 0)) {
      const next = new Set(selected);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      this.update({ selected: next });
    } else this.edit({ kind: 'actions', id });
  };

  clearSelection = (): void => this.update({ selected: new Set() });

  /** Opens a note's editor, if this user may edit it. */
  openNote = (id: string): void => {
    const n = this.conn.getState().board.notes.find((x) => x.id === id);
    if (n && this.canEdit(n)) this.edit({ kind: 'note', id });
  };

  /** A note was dropped at (x, y); dragging one of several picked notes moves them all. */
  moveNote = (id: string, x: number, y: number): void => {
    const { selected } = this.local;
    const notes = this.conn.getState().board.notes;
    const n = notes.find((m) => m.id === id);
    if (n && this.facilitator && selected.has(id) && selected.size > 1) {
      const dx = x - n.x;
      const dy = y - n.y;
      const moves = notes
        .filter((m) => selected.has(m.id))
        .map((m) => ({ id: m.id, x: Math.round(m.x + dx), y: Math.round(m.y + dy) }));
      // A large selection goes as several commands, each within a message.
      for (const c of notesMoveCommands(moves)) this.act(c);
    } else this.act({ type: 'note.move', id, x, y });
  };

  setClusterLabel = (clusterLabel: string): void => this.update({ clusterLabel });

  /** Groups the picked notes under the label typed, and clears the label and the pick. */
  clusterSelected = (): void => {
    const label = this.local.clusterLabel.trim();
    this.act({ type: 'cluster.add', id: randomId(20), label, noteIds: [...this.local.selected] });
    this.update({ clusterLabel: '', selected: new Set() });
  };

  /** The note editor closed with `text` and `color`; an untouched new note leaves nothing. */
  saveNote(note: ViewNote, text: string, color: ViewNote['color']): void {
    if (this.local.freshNote === note.id && text.trim() === '') {
      // Nothing was written: leave no empty note behind.
      this.run({ type: 'note.delete', id: note.id });
    } else if (text !== note.text || color !== note.color) {
      this.act({ type: 'note.update', id: note.id, text, color });
    }
    this.closeEditor();
  }

  /** The note editor was cancelled; a new note still empty goes. */
  cancelNote(note: ViewNote): void {
    if (this.local.freshNote === note.id && note.text === '')
      this.run({ type: 'note.delete', id: note.id });
    this.closeEditor();
  }

  // --- the screen ---

  edit = (editing: Editing): void => this.update({ editing });
  closeEditor = (): void => this.update({ editing: null });
  togglePanel = (): void => this.update({ panel: !this.local.panel });
  closePanel = (): void => this.update({ panel: false });
  toggleList = (): void => this.update({ listMode: !this.local.listMode });
  toggleHelp = (): void => this.update({ help: !this.local.help });
  openHelp = (): void => this.update({ help: true });
  closeHelp = (): void => this.update({ help: false });
  setFilterGroup = (filterGroup: string | undefined): void => this.update({ filterGroup });
  setColorByGroup = (colorByGroup: boolean): void => this.update({ colorByGroup });

  /** Shows a note on the canvas, from the list. */
  showOnCanvas = (n: ViewNote): void => {
    this.update({ listMode: false });
    this.look({ x: n.x, y: n.y, w: NOTE_SIZE, h: NOTE_SIZE }, 80, 1.5);
  };

  /** High contrast on or off, remembered for the next visit. */
  toggleContrast = (): void => {
    const next = !this.local.highContrast;
    this.settings.write(HIGH_CONTRAST_KEY, next ? '1' : '0');
    this.update({ highContrast: next });
  };

  // --- internals ---

  private centre(): { x: number; y: number } {
    return { x: this.local.width / 2, y: this.local.height / 2 };
  }

  private onConnection(): void {
    const lastError = this.conn.getState().lastError;
    if (lastError && lastError !== this.seenError) {
      clearTimeout(this.toastTimer);
      this.toastTimer = setTimeout(() => this.update({ dismissedAt: lastError.at }), TOAST_MS);
    }
    this.seenError = lastError;
    this.update({});
  }

  private update(patch: Partial<Local>): void {
    this.local = { ...this.local, ...patch };
    this.state = this.derive();
    for (const l of this.listeners) l();
  }

  /** A fit of the content, computed again only when the content or the stage changed. */
  private fitContent(
    prompts: Parameters<typeof contentBounds>[0],
    notes: Parameters<typeof contentBounds>[1],
    width: number,
    height: number,
    margin: number,
  ): View {
    const key = [prompts, notes, width, height, margin];
    if (!this.fitted || this.fitted.key.some((k, i) => k !== key[i])) {
      this.fitted = { key, view: fit(contentBounds(prompts, notes), width, height, margin) };
    }
    return this.fitted.view;
  }

  private derive(): BoardUiState {
    const connection = this.conn.getState();
    const { board, lastError } = connection;
    const { userView, awayFromSeq, freshNote: _fresh, dismissedAt, ...shown } = this.local;
    const { width, height } = shown;
    const compact = width > 0 && width < COMPACT_WIDTH;
    // A phone has no pixels to spare around the content.
    const margin = compact ? 12 : 40;
    const autoView = this.fitContent(board.prompts, board.notes, width, height, margin);
    // Follow-me: while the facilitator asks, everyone looks where they do, until they move away.
    const follow = board.meta.follow;
    const following = !this.facilitator && follow.mode !== 'off' && awayFromSeq !== follow.seq;
    const asked = following ? followView(follow, board.prompts, width, height) : null;
    return {
      ...shown,
      connection,
      compact,
      view: this.projector ? (asked ?? autoView) : (asked ?? userView ?? autoView),
      following,
      toast: lastError && lastError.at > dismissedAt ? lastError.code : undefined,
      canUndo: this.history.canUndo,
      canRedo: this.history.canRedo,
    };
  }
}
