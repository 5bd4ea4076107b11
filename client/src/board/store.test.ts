import { afterEach, describe, expect, it, vi } from 'vitest';
import { getNote, listNotes, readMeta, type Role } from '@pajataulu/shared';
import en from '../i18n/en.json' with { type: 'json' };
import fi from '../i18n/fi.json' with { type: 'json' };
import sv from '../i18n/sv.json' with { type: 'json' };
import { BoardConnection } from './connection.js';
import { FOLLOW_REFERENCE_WIDTH } from './follow.js';
import { handleShortcut, SHORTCUT_HELP, type KeyInput } from './shortcuts.js';
import { BoardStore, HIGH_CONTRAST_KEY, PAN_STEP, TOAST_MS, type SettingsStore } from './store.js';
import { QUIET_DOC_CHANNEL, ServerChannel, TestServer, until } from './test-server.js';

const WIDTH = 1000;
const HEIGHT = 800;

function memorySettings(): SettingsStore & { saved: Map<string, string> } {
  const saved = new Map<string, string>();
  return { saved, read: (k) => saved.get(k) ?? null, write: (k, v) => void saved.set(k, v) };
}

const open: { store: BoardStore; server?: TestServer }[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const o of open.splice(0)) {
    o.store.close();
    await o.server?.close();
  }
});

/** A store on a board of a real server; its commands go as the facilitator's. */
async function onServer(role: Role = 'facilitator') {
  const server = await TestServer.start();
  const conn = new BoardConnection({ schedule: (fn) => fn() });
  const channel = new ServerChannel(server, conn.doc);
  conn.attach(channel, QUIET_DOC_CHANNEL);
  server.replicateTo(conn.doc);
  channel.connect();
  const store = new BoardStore({
    conn,
    role,
    settings: memorySettings(),
    screenWidth: WIDTH,
    prefersContrast: false,
    random: () => 0.5,
  });
  store.setSize(WIDTH, HEIGHT);
  open.push({ store, server });
  /** Resolves once every command this store sent is on the server and back in its replica. */
  const settled = () =>
    until(
      () => conn.getState().queued === 0 && conn.getState().board.notes.every((n) => !n.pending),
      'commands settled',
    );
  return { server, conn, store, settled };
}

/** A store with no connection at all, for what does not need the board. */
function offline(settings: SettingsStore, opts: { prefersContrast?: boolean; role?: Role } = {}) {
  const store = new BoardStore({
    conn: new BoardConnection({ schedule: (fn) => fn() }),
    role: opts.role ?? 'participant',
    settings,
    screenWidth: WIDTH,
    prefersContrast: opts.prefersContrast ?? false,
  });
  store.setSize(WIDTH, HEIGHT);
  open.push({ store });
  return store;
}

const key = (k: string, more: Partial<KeyInput> = {}): KeyInput => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  target: null,
  ...more,
});
const field = (tagName: string) =>
  ({ tagName, isContentEditable: false }) as unknown as EventTarget;

describe('BoardStore: undo and redo', () => {
  it('takes back this user’s last edit on the server, and makes it again on redo', async () => {
    const { server, store, settled } = await onServer();
    expect(store.getState().canUndo).toBe(false);
    store.addNoteAt({ x: 100, y: 100 });
    const id = store.getState().editing!.id;
    store.closeEditor();
    store.moveNote(id, 300, 200);
    await settled();
    expect(getNote(server.doc, id)).toMatchObject({ x: 300, y: 200 });

    store.undo();
    await settled();
    expect(getNote(server.doc, id)).toMatchObject({ x: 100, y: 100 });
    expect(store.getState()).toMatchObject({ canUndo: true, canRedo: true });

    store.redo();
    await settled();
    expect(getNote(server.doc, id)).toMatchObject({ x: 300, y: 200 });
    expect(store.getState().canRedo).toBe(false);

    // Back past the move, then past the note itself.
    store.undo();
    store.undo();
    await settled();
    expect(getNote(server.doc, id)).toBeUndefined();
    expect(store.getState().canUndo).toBe(false);
  });

  it('answers Ctrl+Z and Ctrl+Shift+Z, but not while a field has the keys', async () => {
    const { server, store, settled } = await onServer();
    store.addNoteAt({ x: 0, y: 0 });
    store.closeEditor();
    await settled();
    expect(listNotes(server.doc)).toHaveLength(1);
    expect(handleShortcut(store, key('z', { ctrlKey: true, target: field('TEXTAREA') }))).toBe(
      false,
    );
    expect(store.getState().canUndo).toBe(true);
    expect(handleShortcut(store, key('z', { metaKey: true }))).toBe(true);
    await settled();
    expect(listNotes(server.doc)).toHaveLength(0);
    expect(handleShortcut(store, key('Z', { ctrlKey: true, shiftKey: true }))).toBe(true);
    await settled();
    expect(listNotes(server.doc)).toHaveLength(1);
  });

  it('leaves nothing behind for a new note whose editor is cancelled while empty', async () => {
    const { server, store, settled } = await onServer();
    store.addNoteAt({ x: 40, y: 40 });
    const id = store.getState().editing!.id;
    const note = store.getState().connection.board.notes.find((n) => n.id === id)!;
    store.cancelNote(note);
    await settled();
    expect(store.getState().editing).toBeNull();
    expect(store.getState().connection.board.notes).toEqual([]);
    expect(getNote(server.doc, id)).toBeUndefined();
  });
});

describe('BoardStore: picking notes', () => {
  it('lets a facilitator pick notes with Shift + click and drag them together', async () => {
    const { server, store, settled } = await onServer();
    store.addNoteAt({ x: 0, y: 0 });
    store.addNoteAt({ x: 400, y: 0 });
    store.addNoteAt({ x: 800, y: 0 });
    store.closeEditor();
    await settled();
    const [a, b, c] = listNotes(server.doc).sort((m, n) => m.x - n.x);
    // A plain click opens the note's actions.
    store.selectNote(a!.id, false);
    expect(store.getState().editing).toEqual({ kind: 'actions', id: a!.id });
    store.closeEditor();
    store.selectNote(a!.id, true);
    // Once something is picked, a plain click picks too.
    store.selectNote(b!.id, false);
    expect([...store.getState().selected]).toEqual([a!.id, b!.id]);
    store.moveNote(a!.id, 50, 30);
    await settled();
    expect(getNote(server.doc, a!.id)).toMatchObject({ x: 50, y: 30 });
    expect(getNote(server.doc, b!.id)).toMatchObject({ x: 450, y: 30 });
    expect(getNote(server.doc, c!.id)).toMatchObject({ x: 800, y: 0 });
    store.clearSelection();
    expect(store.getState().selected.size).toBe(0);
  });

  it('opens a participant’s click as the note’s actions, never as a pick', async () => {
    const { store } = await onServer('participant');
    store.selectNote('nnnnnnnnnnnnnnnnnnnn', true);
    expect(store.getState().selected.size).toBe(0);
    expect(store.getState().editing?.kind).toBe('actions');
  });
});

describe('BoardStore: follow-me', () => {
  it('looks where the facilitator asks, lets the user move away, and comes back on request', async () => {
    const { server, conn, store } = await onServer('participant');
    const ask = async (x: number, y: number, zoom: number) => {
      await server.apply({
        id: `f${x}${y}${zoom}`.padEnd(20, '0'),
        command: { type: 'follow.set', mode: 'view', x, y, zoom },
      });
      server.replicateTo(conn.doc);
    };
    await ask(500, 400, 1);
    // The area the facilitator sees on a 1000-pixel screen, centred on their point.
    const scale = (1 * WIDTH) / FOLLOW_REFERENCE_WIDTH;
    expect(store.getState()).toMatchObject({ following: true, view: { scale, x: 0, y: 0 } });

    store.panBy(PAN_STEP, 0);
    expect(store.getState()).toMatchObject({ following: false, view: { x: PAN_STEP, y: 0 } });
    // The same request stays left until the user returns to it.
    server.replicateTo(conn.doc);
    expect(store.getState().following).toBe(false);
    store.returnToFollow();
    expect(store.getState()).toMatchObject({ following: true, view: { x: 0, y: 0 } });

    // A new request is followed even by someone who had moved away from the last one.
    store.panBy(0, PAN_STEP);
    await ask(600, 400, 2);
    expect(store.getState()).toMatchObject({ following: true, view: { scale: 2, x: -700 } });

    await server.apply({
      id: 'foff0000000000000000',
      command: { type: 'follow.set', mode: 'off' },
    });
    server.replicateTo(conn.doc);
    expect(store.getState().following).toBe(false);
  });

  it('asks everyone to look at what the facilitator’s screen shows; a facilitator never follows', async () => {
    const { server, store, settled } = await onServer('facilitator');
    store.setView({ scale: 2, x: 0, y: 0 });
    store.bringEveryone();
    await settled();
    await until(() => readMeta(server.doc).follow.mode === 'view', 'follow request');
    expect(readMeta(server.doc).follow).toMatchObject({
      x: WIDTH / 2 / 2,
      y: HEIGHT / 2 / 2,
      zoom: (2 * FOLLOW_REFERENCE_WIDTH) / WIDTH,
    });
    expect(store.getState()).toMatchObject({ following: false, view: { scale: 2, x: 0, y: 0 } });
  });
});

describe('BoardStore: settings', () => {
  it('remembers high contrast for the next visit, over the browser’s preference', () => {
    const settings = memorySettings();
    expect(offline(settings, { prefersContrast: true }).getState().highContrast).toBe(true);
    const first = offline(settings);
    expect(first.getState().highContrast).toBe(false);
    first.toggleContrast();
    expect(first.getState().highContrast).toBe(true);
    expect(settings.saved.get(HIGH_CONTRAST_KEY)).toBe('1');
    expect(offline(settings).getState().highContrast).toBe(true);
    offline(settings).toggleContrast();
    expect(offline(settings, { prefersContrast: true }).getState().highContrast).toBe(false);
  });

  it('opens as a list on a phone, and with the facilitator’s tools only on a wide screen', () => {
    const phone = new BoardStore({
      conn: new BoardConnection(),
      role: 'facilitator',
      settings: memorySettings(),
      screenWidth: 390,
      prefersContrast: false,
    });
    open.push({ store: phone });
    expect(phone.getState()).toMatchObject({ listMode: true, panel: false });
    const desk = offline(memorySettings(), { role: 'facilitator' });
    expect(desk.getState()).toMatchObject({ listMode: false, panel: true });
  });
});

describe('BoardStore: refusals', () => {
  it('shows a refusal the server gave for a while, then hides it', async () => {
    const { store } = await onServer();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    store.run({ type: 'note.update', id: 'nnnnnnnnnnnnnnnnnnnn', text: 'x' });
    await until(() => store.getState().toast !== undefined, 'a refusal');
    expect(store.getState().toast).toBe('not_found');
    vi.advanceTimersByTime(TOAST_MS - 1);
    expect(store.getState().toast).toBe('not_found');
    vi.advanceTimersByTime(1);
    expect(store.getState().toast).toBeUndefined();
    // The next refusal shows again.
    store.run({ type: 'note.move', id: 'nnnnnnnnnnnnnnnnnnnn', x: 1, y: 1 });
    await until(() => store.getState().toast !== undefined, 'a second refusal');
  });
});

describe('shortcuts', () => {
  it('add a note in view with N and open its editor, but leave typing in a field alone', async () => {
    const { server, store, settled } = await onServer();
    expect(handleShortcut(store, key('n', { target: field('INPUT') }))).toBe(false);
    expect(handleShortcut(store, key('n', { target: field('SELECT') }))).toBe(false);
    expect(handleShortcut(store, key('n', { altKey: true }))).toBe(false);
    expect(store.getState().editing).toBeNull();
    expect(handleShortcut(store, key('N'))).toBe(true);
    expect(store.getState().editing?.kind).toBe('note');
    await settled();
    expect(listNotes(server.doc)).toHaveLength(1);
  });

  it('move the canvas only while it is on screen, and never on a projector', () => {
    const store = offline(memorySettings());
    const before = store.getState().view;
    expect(handleShortcut(store, key('ArrowLeft'))).toBe(true);
    expect(store.getState().view.x).toBe(before.x + PAN_STEP);
    expect(handleShortcut(store, key('l'))).toBe(true);
    expect(store.getState().listMode).toBe(true);
    for (const k of ['ArrowLeft', '+', '-', '0', 'n'])
      expect(handleShortcut(store, key(k))).toBe(false);
    const projector = offline(memorySettings(), { role: 'projector' });
    expect(handleShortcut(projector, key('+'))).toBe(false);
    expect(handleShortcut(projector, key('N'))).toBe(false);
  });

  it('open and close the help with ?, and let Escape through', () => {
    const store = offline(memorySettings());
    expect(handleShortcut(store, key('?'))).toBe(true);
    expect(store.getState().help).toBe(true);
    expect(handleShortcut(store, key('Escape'))).toBe(false);
    expect(store.getState().help).toBe(false);
  });

  it('are listed in the help in every language', () => {
    expect(SHORTCUT_HELP.map((r) => r.label)).toEqual([
      'shortcuts.pan',
      'shortcuts.zoom',
      'shortcuts.fit',
      'shortcuts.newNote',
      'shortcuts.list',
      'shortcuts.undo',
      'shortcuts.select',
      'shortcuts.help',
    ]);
    for (const catalogue of [en, fi, sv]) {
      for (const { label } of SHORTCUT_HELP) {
        const [section, name] = label.split('.') as [string, string];
        expect((catalogue as Record<string, Record<string, string>>)[section]?.[name]).toBeTruthy();
      }
    }
  });
});
