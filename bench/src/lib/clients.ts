/** Full clients (a real Y.Doc each) as the browser app and a usual Yjs app open them. */
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
  newNote,
  PROTOCOL_VERSION,
  randomId,
  syncSubprotocols,
  type CommandAck,
} from '@pajataulu/shared';
import type { TargetKind } from './target.js';
import { sleep } from './stats.js';

/** How long a full client may take to connect and sync. */
export const CONNECT_TIMEOUT_MS = 30_000;
export const COMMAND_TIMEOUT_MS = 10_000;

export interface CreatedBoard {
  boardId: string;
  code: string;
  facilitatorKey: string;
  links: { facilitator: string };
}

export async function createBoard(url: string, title: string): Promise<CreatedBoard> {
  const res = await fetch(`${url}/api/boards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title, template: 'blank' }),
  });
  if (res.status !== 201) throw new Error(`create board: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedBoard;
}

export async function joinToken(url: string, code: string): Promise<string> {
  const res = await fetch(`${url}/api/boards/${code}/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  if (res.status !== 200) throw new Error(`join: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export async function waitUntil(
  check: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A client with a real replica that can add and move notes. */
export interface FullClient {
  doc: Y.Doc;
  /** Adds or moves a note; resolves with the acknowledgement (Pajataulu) or at once (baseline). */
  op(kind: 'add' | 'move', id: string, x: number, y: number): Promise<CommandAck | null>;
  close(): void;
}

export type Credentials = { token: string } | { facilitatorKey: string };

/** Opens a Pajataulu client (socket.io + y-websocket, as the app does) or a baseline Yjs client. */
export async function connectFull(
  kind: TargetKind,
  url: string,
  room: string,
  creds: Credentials | undefined,
  name: string,
): Promise<FullClient> {
  const doc = new Y.Doc();
  // Pajataulu takes version and credential as subprotocols; the baseline relay takes none.
  const protocols = kind === 'pajataulu' ? syncSubprotocols(creds ?? {}) : [];
  let socket: Socket | undefined;
  if (kind === 'pajataulu') {
    socket = io(url, {
      auth: { protocol: PROTOCOL_VERSION, board: room, ...creds },
      transports: ['websocket'],
    });
    const s = socket;
    await new Promise<void>((resolve, reject) => {
      s.once('session', () => resolve());
      s.once('connect_error', (e) => reject(e));
    });
  }
  const wsBase = url.replace(/^http/, 'ws') + (kind === 'pajataulu' ? '/sync' : '');
  const provider = new WebsocketProvider(wsBase, room, doc, {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    WebSocketPolyfill: WebSocket as any,
    protocols,
    disableBc: true,
    maxBackoffTime: 1_000,
  });
  if (kind === 'baseline') provider.awareness.setLocalState({ user: { name, color: '#4287f5' } });
  await waitUntil(() => provider.synced, CONNECT_TIMEOUT_MS, `${name} to sync`);
  const notes = doc.getMap<Y.Map<unknown>>('notes');
  return {
    doc,
    async op(kind2, id, x, y) {
      if (socket) {
        const command =
          kind2 === 'add'
            ? { type: 'note.add', id, x, y, text: 'mittaus' }
            : { type: 'note.move', id, x, y };
        return (await socket
          .timeout(COMMAND_TIMEOUT_MS)
          .emitWithAck('command', { id: randomId(20), command })) as CommandAck;
      }
      doc.transact(() => {
        let m = notes.get(id);
        if (!m) {
          m = new Y.Map<unknown>();
          m.set('text', 'mittaus');
          notes.set(id, m);
        }
        m.set('x', x);
        m.set('y', y);
      });
      return null;
    },
    close() {
      socket?.close();
      provider.destroy();
      doc.destroy();
    },
  };
}

/** A note's position in a replica, if it has one. */
export function notePosition(doc: Y.Doc, id: string): [number, number] | undefined {
  const m = doc.getMap<Y.Map<unknown>>('notes').get(id);
  if (!m) return undefined;
  const x = m.get('x');
  const y = m.get('y');
  return typeof x === 'number' && typeof y === 'number' ? [x, y] : undefined;
}

/** Note text of seeded boards: about as long as what people write on a sticky note. */
export const SEED_NOTE_TEXT = 'Arvostava kohtaaminen arjessa: kuunnellaan ja kysytään ennen kuin';
/** Notes per row on a seeded board (a grid 200 units apart). */
const SEED_COLUMNS = 100;

function seedNote(i: number) {
  return {
    id: randomId(20),
    text: `${i}. ${SEED_NOTE_TEXT}`,
    x: (i % SEED_COLUMNS) * 200,
    y: Math.floor(i / SEED_COLUMNS) * 200,
  };
}

/** A Pajataulu board with `n` notes, made by importing a backup (as an operator would restore one). */
export async function seedPajataulu(url: string, n: number): Promise<CreatedBoard> {
  const blank = await createBoard(url, 'Myöhäinen liittyminen');
  const res = await fetch(`${url}/api/boards/${blank.boardId}/export.json`, {
    headers: { authorization: `Bearer ${blank.facilitatorKey}` },
  });
  if (res.status !== 200) throw new Error(`export: HTTP ${res.status}`);
  const backup = (await res.json()) as { board: { notes: unknown[] } };
  for (let i = 0; i < n; i++) {
    backup.board.notes.push(newNote({ ...seedNote(i), color: 'yellow' }));
  }
  const imported = await fetch(`${url}/api/boards/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(backup),
  });
  if (imported.status !== 201)
    throw new Error(`import: HTTP ${imported.status} ${await imported.text()}`);
  return (await imported.json()) as CreatedBoard;
}

/** The same notes written straight into the baseline relay's document by one client. */
export async function seedBaseline(url: string, room: string, n: number): Promise<void> {
  const seeder = await connectFull('baseline', url, room, undefined, 'seeder');
  const notes = seeder.doc.getMap<Y.Map<unknown>>('notes');
  seeder.doc.transact(() => {
    for (let i = 0; i < n; i++) {
      const s = seedNote(i);
      const m = new Y.Map<unknown>();
      m.set('text', s.text);
      m.set('x', s.x);
      m.set('y', s.y);
      m.set('color', 'yellow');
      notes.set(s.id, m);
    }
  });
  // The relay has it once a second client receives it all.
  const check = await connectFull('baseline', url, room, undefined, 'check');
  await waitUntil(
    () => check.doc.getMap('notes').size === n,
    CONNECT_TIMEOUT_MS,
    'the seeded notes at the relay',
  );
  check.close();
  seeder.close();
}
