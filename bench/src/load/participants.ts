/**
 * A participant process of the load benchmark: many lightweight clients in one Node process.
 *
 * Pajataulu clients are what the browser app opens — a socket.io connection for commands and
 * presence, and a y-websocket connection for the document — but the document connection only
 * counts what it receives instead of keeping a Y.Doc. Baseline clients open one y-websocket
 * connection, announce an awareness state and renew it every 15 s as y-protocols does, and write
 * their notes into a small Y.Doc of their own whose updates they send.
 */
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { PROTOCOL_VERSION, randomId, syncSubprotocols, type CommandAck } from '@pajataulu/shared';
import type { JoinOrder, Order, ParticipantReport, WorkerMessage } from './protocol.js';

/** How long a command may wait for its acknowledgement before it counts as timed out. */
export const ACK_TIMEOUT_MS = 10_000;
/** y-protocols renews a client's awareness state this often. */
export const AWARENESS_RENEW_MS = 15_000;
/** How long a joining client may wait for the whole document. */
export const SYNC_TIMEOUT_MS = 60_000;
/** Delay before a closed connection is reopened. */
export const RECONNECT_DELAY_MS = 500;
/** Scheduler tick of the operation generator. */
const OPS_TICK_MS = 10;
/** Share of operations that add a note (the rest move one of the sender's notes). */
export const ADD_SHARE = 0.3;
/** Notes land in this square of the canvas. */
export const SPREAD = 8_000;

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;

const send = (m: WorkerMessage) => process.send!(m);

interface Counters {
  bytesIn: number;
  messagesIn: number;
  presence: number;
  pointer: number;
}
const counters: Counters = { bytesIn: 0, messagesIn: 0, presence: 0, pointer: 0 };

interface Client {
  notes: string[];
  busy: boolean;
  /** Sends one operation; resolves when it is acknowledged (or written, for the baseline). */
  op(kind: 'add' | 'move', id: string, x: number, y: number): Promise<CommandAck | null>;
  close(): void;
}

const clients: Client[] = [];
const positions = new Map<string, [number, number]>();
const uncertain = new Set<string>();
let reconnects = 0;

function wsOrigin(url: string): string {
  return url.replace(/^http/, 'ws');
}

function syncStep1Empty(): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc()));
  return encoding.toUint8Array(e);
}
const STEP1_EMPTY = syncStep1Empty();

/** A WebSocket that counts what it receives and reopens when the server closes it. */
function countingSocket(
  url: string,
  protocols: string[],
  onOpen: (ws: WebSocket) => void,
  onStep2: () => void = () => undefined,
): { close(): void } {
  let closed = false;
  let ws: WebSocket;
  const open = () => {
    ws = new WebSocket(url, protocols, { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => onOpen(ws));
    ws.on('message', (data: Buffer) => {
      counters.bytesIn += data.length;
      counters.messagesIn++;
      if (data[0] === MESSAGE_SYNC && data[1] === 1) onStep2();
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (closed) return;
      reconnects++;
      setTimeout(open, RECONNECT_DELAY_MS);
    });
  };
  open();
  return {
    close() {
      closed = true;
      ws.close();
    },
  };
}

async function joinPajataulu(order: JoinOrder, index: number): Promise<Client> {
  const url = order.urls[index % order.urls.length]!;
  const res = await fetch(`${url}/api/boards/${order.code}/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  if (res.status !== 200) throw new Error(`join: HTTP ${res.status} ${await res.text()}`);
  const { token } = (await res.json()) as { token: string };
  const socket: Socket = io(url, {
    auth: { protocol: PROTOCOL_VERSION, board: order.boardId, token },
    transports: ['websocket'],
  });
  socket.io.on('open', () => {
    const engine = socket.io.engine as unknown as {
      on(ev: 'packet', fn: (p: { data?: unknown }) => void): void;
    };
    engine.on('packet', (p) => {
      counters.messagesIn++;
      const d = p.data;
      counters.bytesIn +=
        1 +
        (typeof d === 'string'
          ? Buffer.byteLength(d)
          : d instanceof ArrayBuffer
            ? d.byteLength
            : 0);
    });
  });
  socket.on('presence', () => counters.presence++);
  socket.on('pointer', () => counters.pointer++);
  await new Promise<void>((resolve, reject) => {
    socket.once('session', () => resolve());
    socket.once('connect_error', (e) => {
      socket.close();
      reject(e);
    });
  });
  let synced!: () => void;
  const step2 = new Promise<void>((resolve) => (synced = resolve));
  const sync = countingSocket(
    `${wsOrigin(url)}/sync/${order.boardId}`,
    syncSubprotocols({ token }),
    (ws) => ws.send(STEP1_EMPTY),
    () => synced(),
  );
  try {
    await withTimeout(step2, SYNC_TIMEOUT_MS, 'the document did not arrive in time');
  } catch (err) {
    socket.close();
    sync.close();
    throw err;
  }
  return {
    notes: [],
    busy: false,
    async op(kind, id, x, y) {
      const command =
        kind === 'add'
          ? { type: 'note.add', id, x, y, text: 'kuormitus' }
          : { type: 'note.move', id, x, y };
      return (await socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('command', { id: randomId(20), command })) as CommandAck;
    },
    close() {
      socket.close();
      sync.close();
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
  ]).finally(() => clearTimeout(timer));
}

function awarenessMessage(clientId: number, clock: number, state: unknown): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, 1);
  encoding.writeVarUint(inner, clientId);
  encoding.writeVarUint(inner, clock);
  encoding.writeVarString(inner, JSON.stringify(state));
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
  return encoding.toUint8Array(e);
}

function joinBaseline(order: JoinOrder, index: number): Promise<Client> {
  const url = order.urls[index % order.urls.length]!;
  const clientId = Math.floor(Math.random() * 2 ** 31);
  const state = { user: { name: `Osallistuja ${order.offset + index}`, color: '#f5c542' } };
  let clock = 0;
  let current: WebSocket | undefined;
  let renew: NodeJS.Timeout | undefined;
  let doc: Y.Doc | undefined;
  return new Promise((resolve, reject) => {
    const failTimer = setTimeout(() => {
      // A participant who gives up leaves.
      client.close();
      reject(new Error('the document did not arrive in time'));
    }, SYNC_TIMEOUT_MS);
    const sock = countingSocket(
      `${wsOrigin(url)}/${order.boardId}`,
      [],
      (ws) => {
        current = ws;
        ws.send(STEP1_EMPTY);
        ws.send(awarenessMessage(clientId, ++clock, state));
        clearInterval(renew);
        renew = setInterval(() => {
          if (ws.readyState === WebSocket.OPEN) ws.send(awarenessMessage(clientId, ++clock, state));
        }, AWARENESS_RENEW_MS);
      },
      () => {
        clearTimeout(failTimer);
        resolve(client);
      },
    );
    const client: Client = {
      notes: [],
      busy: false,
      op(kind, id, x, y) {
        if (!doc) {
          doc = new Y.Doc();
          doc.on('update', (u: Uint8Array) => {
            const e = encoding.createEncoder();
            encoding.writeVarUint(e, MESSAGE_SYNC);
            encoding.writeVarUint(e, 2);
            encoding.writeVarUint8Array(e, u);
            if (current?.readyState === WebSocket.OPEN) current.send(encoding.toUint8Array(e));
          });
        }
        const notes = doc.getMap<Y.Map<unknown>>('notes');
        doc.transact(() => {
          if (kind === 'add') {
            const m = new Y.Map<unknown>();
            m.set('text', 'kuormitus');
            m.set('x', x);
            m.set('y', y);
            notes.set(id, m);
          } else {
            const m = notes.get(id)!;
            m.set('x', x);
            m.set('y', y);
          }
        });
        return Promise.resolve(null);
      },
      close() {
        clearInterval(renew);
        sock.close();
        doc?.destroy();
      },
    };
  });
}

async function join(order: JoinOrder): Promise<void> {
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const started = Date.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < order.count; i++) {
    const due = started + (i * 1000) / order.rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    const p = (order.kind === 'pajataulu' ? joinPajataulu(order, i) : joinBaseline(order, i)).then(
      (c) => {
        latencies.push(performance.now() - t0);
        clients.push(c);
        ok++;
      },
      (err: unknown) => {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      },
    );
    pending.push(p);
  }
  await Promise.all(pending);
  send({
    type: 'joined',
    ok,
    failed,
    latenciesMs: latencies,
    ...(firstError ? { firstError } : {}),
  });
}

let opsTimer: NodeJS.Timeout | undefined;
let opsStarted = 0;
let opsStopped = 0;
const inflight = new Set<Promise<void>>();
const stats = {
  sent: 0,
  acked: 0,
  refused: 0,
  timedOut: 0,
  refusedCodes: {} as Record<string, number>,
  ackLatencies: [] as number[],
};

function startOps(rate: number): void {
  counters.bytesIn = 0;
  counters.messagesIn = 0;
  counters.presence = 0;
  counters.pointer = 0;
  opsStarted = performance.now();
  let due = 0;
  let last = opsStarted;
  opsTimer = setInterval(() => {
    const now = performance.now();
    due += ((now - last) / 1000) * rate;
    last = now;
    while (due >= 1) {
      due--;
      sendOne();
    }
  }, OPS_TICK_MS);
}

function sendOne(): void {
  if (clients.length === 0) return;
  let c: Client | undefined;
  for (let tries = 0; tries < 8; tries++) {
    const pick = clients[Math.floor(Math.random() * clients.length)]!;
    if (!pick.busy) {
      c = pick;
      break;
    }
  }
  if (!c) return;
  const add = c.notes.length === 0 || Math.random() < ADD_SHARE;
  const id = add ? randomId(20) : c.notes[Math.floor(Math.random() * c.notes.length)]!;
  const x = Math.floor(Math.random() * SPREAD);
  const y = Math.floor(Math.random() * SPREAD);
  const client = c;
  client.busy = true;
  stats.sent++;
  const t0 = performance.now();
  const p = client
    .op(add ? 'add' : 'move', id, x, y)
    .then(
      (ack) => {
        if (ack === null || ack.ok) {
          stats.acked++;
          if (ack) stats.ackLatencies.push(performance.now() - t0);
          if (add) client.notes.push(id);
          positions.set(id, [x, y]);
          uncertain.delete(id);
        } else {
          stats.refused++;
          stats.refusedCodes[ack.error.code] = (stats.refusedCodes[ack.error.code] ?? 0) + 1;
        }
      },
      () => {
        stats.timedOut++;
        uncertain.add(id);
        if (add) client.notes.push(id);
      },
    )
    .finally(() => {
      client.busy = false;
      inflight.delete(p);
    });
  inflight.add(p);
}

async function stopOps(): Promise<void> {
  clearInterval(opsTimer);
  opsStopped = performance.now();
  const received = { ...counters };
  await Promise.all([...inflight]);
  const report: ParticipantReport = {
    type: 'report',
    clients: clients.length,
    seconds: (opsStopped - opsStarted) / 1000,
    bytesIn: received.bytesIn,
    messagesIn: received.messagesIn,
    presenceMessages: received.presence,
    pointerMessages: received.pointer,
    opsSent: stats.sent,
    opsAcked: stats.acked,
    opsRefused: stats.refused,
    opsTimedOut: stats.timedOut,
    refusedCodes: stats.refusedCodes,
    ackLatenciesMs: stats.ackLatencies,
    reconnects,
    finalPositions: [...positions].map(([id, [x, y]]) => [id, x, y]),
    uncertain: [...uncertain],
  };
  send(report);
}

process.on('message', (raw: unknown) => {
  const order = raw as Order;
  if (order.type === 'join') void join(order);
  else if (order.type === 'ops') startOps(order.rate);
  else if (order.type === 'stop') void stopOps();
  else if (order.type === 'close') {
    for (const c of clients) c.close();
    setTimeout(() => process.exit(0), 200).unref();
    process.disconnect();
  }
});
process.on('disconnect', () => {
  for (const c of clients) c.close();
  setTimeout(() => process.exit(0), 200).unref();
});
