/**
 * The export queue: one drawing at a time, a bounded queue, a client that leaves stops its
 * export, and a receiver that is full holds the drawing back.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  BOARD_SCHEMA_VERSION,
  initBoardDoc,
  NOTE_COLORS,
  readBoard,
  type BoardState,
  type Note,
  newNote,
} from '@pajataulu/shared';
import {
  ExportAbortedError,
  ExportBusyError,
  ExportPendingError,
  Exporter,
  MAX_QUEUED_EXPORTS,
  type ExportSink,
} from '../export/exporter.js';
import type { WorkerJob } from '../export/options.js';

/** A sparse board about 8,000 units square: many strips, quick to draw. */
function tallBoard(): BoardState {
  const doc = new Y.Doc();
  initBoardDoc(doc, {
    title: 'Jono',
    template: 'blank',
    now: 0,
    schemaVersion: BOARD_SCHEMA_VERSION,
  });
  const notes: Note[] = Array.from({ length: 40 }, (_, i) =>
    newNote({
      id: `n${String(i).padStart(19, '0')}`,
      text: `lappu ${i}`,
      x: (i % 5) * 1_900,
      y: Math.floor(i / 5) * 1_000,
      color: NOTE_COLORS[i % NOTE_COLORS.length]!,
      createdAt: i,
    }),
  );
  return { ...readBoard(doc), notes };
}

const job = (board: BoardState, scale = 1): WorkerJob => ({
  kind: 'png',
  board,
  locale: 'fi',
  now: 0,
  scale,
});

function sink(opts: { full?: () => boolean } = {}) {
  const drains: (() => void)[] = [];
  const s = {
    chunks: 0,
    bytes: 0,
    started: 0,
    drain: () => drains.splice(0).forEach((fn) => fn()),
    sink: {
      start: () => void s.started++,
      chunk: (b: Uint8Array) => {
        s.chunks++;
        s.bytes += b.length;
        return !(opts.full?.() ?? false);
      },
      onDrain: (fn: () => void) => void drains.push(fn),
    } satisfies ExportSink,
  };
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the exporter', () => {
  const board = tallBoard();

  it('a client that goes away stops its export, and the next one starts at once', async () => {
    const exporter = new Exporter();
    const first = sink();
    const gone = new AbortController();
    const running = exporter.run(job(board, 1.5), first.sink, gone.signal, 'a');
    const second = sink();
    const queued = exporter.run(job(board, 0.2), second.sink, new AbortController().signal, 'b');
    while (first.chunks === 0) await sleep(10);
    gone.abort();
    await expect(running).rejects.toBeInstanceOf(ExportAbortedError);
    await queued;
    expect(second.started).toBe(1);
    expect(second.bytes).toBeGreaterThan(0);
    expect(exporter.active).toBe(0);
  });

  it('a queued export whose client leaves never runs', async () => {
    const exporter = new Exporter();
    const first = exporter.run(job(board, 0.3), sink().sink, new AbortController().signal, 'a');
    const leaving = sink();
    const gone = new AbortController();
    const queued = exporter.run(job(board, 0.3), leaving.sink, gone.signal, 'b');
    gone.abort();
    await expect(queued).rejects.toBeInstanceOf(ExportAbortedError);
    await first;
    expect(leaving.started).toBe(0);
    expect(exporter.active).toBe(0);
  });

  it('one at a time; the queue holds MAX_QUEUED_EXPORTS and refuses the rest as busy', async () => {
    const exporter = new Exporter();
    let drawing = 0;
    let most = 0;
    const runs = Array.from({ length: MAX_QUEUED_EXPORTS + 3 }, (_, i) => {
      const s = sink();
      const started = s.sink.start;
      s.sink.start = () => {
        started();
        drawing++;
        most = Math.max(most, drawing);
      };
      const signal = new AbortController().signal;
      return exporter.run(job(board, 0.2), s.sink, signal, `board${i}`).finally(() => {
        if (s.started) drawing--;
      });
    });
    const results = await Promise.allSettled(runs);
    const busy = results.filter(
      (r) => r.status === 'rejected' && r.reason instanceof ExportBusyError,
    );
    expect(busy).toHaveLength(2);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(MAX_QUEUED_EXPORTS + 1);
    expect(most).toBe(1);
  });

  it('a full receiver holds the drawing back until it drains', async () => {
    const exporter = new Exporter();
    let full = true;
    const s = sink({ full: () => full });
    const done = exporter.run(job(board, 1), s.sink, new AbortController().signal, 'a');
    while (s.chunks === 0) await sleep(10);
    await sleep(300);
    const held = s.chunks;
    await sleep(700);
    // Nothing more while the receiver is full…
    expect(s.chunks).toBe(held);
    full = false;
    s.drain();
    await done;
    // …and everything once it drains.
    expect(s.chunks).toBeGreaterThan(held);
  });

  it('one board has at most one export running or waiting: a second is refused, others queue', async () => {
    const exporter = new Exporter();
    const first = exporter.run(job(board, 0.3), sink().sink, new AbortController().signal, 'a');
    const again = exporter.run(job(board, 0.3), sink().sink, new AbortController().signal, 'a');
    const other = exporter.run(job(board, 0.3), sink().sink, new AbortController().signal, 'b');
    await expect(again).rejects.toBeInstanceOf(ExportPendingError);
    await first;
    await other;
    // Once it has ended, the board may export again.
    await exporter.run(job(board, 0.2), sink().sink, new AbortController().signal, 'a');
  });

  it('a receiver that takes no bytes for the stall time is cut off, and the next export starts', async () => {
    const stallMs = 500;
    const exporter = new Exporter({ stallMs });
    // Full from the first chunk, and never drained.
    const stuck = sink({ full: () => true });
    const t0 = Date.now();
    const stalled = exporter.run(job(board, 1.5), stuck.sink, new AbortController().signal, 'a');
    const next = sink();
    const queued = exporter.run(job(board, 0.2), next.sink, new AbortController().signal, 'b');
    await expect(stalled).rejects.toThrow(`no bytes taken for ${stallMs} ms`);
    expect(Date.now() - t0).toBeLessThan(stallMs + 20_000);
    await queued;
    expect(next.bytes).toBeGreaterThan(0);
    expect(exporter.active).toBe(0);
  });
});
