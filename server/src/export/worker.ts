/**
 * The export worker: one per export, so drawing a large board never blocks the event loop that
 * serves the live boards, and its memory is returned when it ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as Y from 'yjs';
import {
  ExportScaleError,
  ExportTooLargeError,
  readBoard,
  toBackup,
  SceneError,
  type BoardState,
} from '@pajataulu/shared';
import { renderPdf, renderPng } from './render.js';
import { renderTable } from './table.js';
import type { BoardSource, WorkerControl, WorkerJob, WorkerMessage } from './options.js';

const port = parentPort!;
const job = workerData as WorkerJob;
const send = (msg: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
const emit = (bytes: Uint8Array) => {
  // Copied so each message owns (and transfers) exactly its bytes.
  const copy = bytes.slice();
  send({ type: 'chunk', bytes: copy }, [copy.buffer as ArrayBuffer]);
};

// Flow control: the serving thread says pause when its client cannot take more, resume when it can.
let paused: { wait: Promise<void>; go: () => void } | null = null;
port.on('message', (msg: WorkerControl) => {
  if (msg.type === 'pause' && !paused) {
    let go = () => {};
    const wait = new Promise<void>((resolve) => (go = resolve));
    paused = { wait, go };
  } else if (msg.type === 'resume' && paused) {
    paused.go();
    paused = null;
  }
});
/** Between tiles: lets control messages in, then waits while paused. */
async function room(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  if (paused) await paused.wait;
}

/** The board to draw, read here rather than on the serving thread. */
function boardOf(source: BoardSource): BoardState {
  if ('board' in source) return source.board;
  const doc = new Y.Doc();
  Y.applyUpdate(doc, source.update);
  return readBoard(doc);
}

/** A JSON backup is sent in pieces this large, waiting between them while the receiver is full. */
const BACKUP_CHUNK_BYTES = 1024 * 1024;

async function sendBackup(update: Uint8Array, now: number): Promise<void> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  const bytes = new TextEncoder().encode(JSON.stringify(toBackup(doc, now)));
  send({ type: 'start', width: 0, height: 0 });
  for (let at = 0; at < bytes.length; at += BACKUP_CHUNK_BYTES) {
    emit(bytes.subarray(at, at + BACKUP_CHUNK_BYTES));
    await room();
  }
}

try {
  if (job.kind === 'backup') {
    await sendBackup(job.update, job.now);
  } else if (job.kind === 'png') {
    const board = boardOf(job);
    await renderPng({ ...job, board }, (size) => send({ type: 'start', ...size }), emit, room);
  } else if (job.kind === 'pdf') {
    const board = boardOf(job);
    send({ type: 'start', width: 0, height: 0 });
    await renderPdf({ ...job, board }, emit);
  } else {
    const board = boardOf(job);
    send({ type: 'start', width: 0, height: 0 });
    emit(await renderTable({ ...job, board }));
  }
  send({ type: 'done' });
} catch (err) {
  if (err instanceof ExportTooLargeError) {
    send({ type: 'refused', code: 'too_large', message: err.message, maxScale: err.maxScale });
  } else if (err instanceof ExportScaleError || err instanceof SceneError) {
    send({ type: 'refused', code: 'invalid', message: err.message, maxScale: 0 });
  } else {
    send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
}
