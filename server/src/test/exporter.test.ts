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
} from '@pajataulu/shared';
import {
  ExportAbortedError,
  ExportBusyError,
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
  const notes: Note[] = Array.from({ length: 40 }, (_, i) => ({
    id: `n${String(i).padStart(19, '0')}`,
    promptId: null,
    text: `lappu ${i}`,
    x: (i % 5) * 1_900,
    y: Math.floor(i / 5) * 1_000,
    color: NOTE_COLORS[i % NOTE_COLORS.length]!,
    createdAt: i,
    group: null,
    author: null,
    month: null,
    reactions: {},
    votes: {},
    cluster: null,
  }));
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
    const running = exporter.run(job(board, 1.5), first.sink, gone.signal);
    const second = sink();
    const queued = exporter.run(job(board, 0.2), second.sink, new AbortController().signal);
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
    const first = exporter.run(job(board, 0.3), sink().sink, new AbortController().signal);
    const leaving = sink();
    const gone = new AbortController();
    const queued = exporter.run(job(board, 0.3), leaving.sink, gone.signal);
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
    const runs = Array.from({ length: MAX_QUEUED_EXPORTS + 3 }, () => {
      const s = sink();
      const started = s.sink.start;
      s.sink.start = () => {
        started();
        drawing++;
        most = Math.max(most, drawing);
      };
      return exporter.run(job(board, 0.2), s.sink, new AbortController().signal).finally(() => {
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
    const done = exporter.run(job(board, 1), s.sink, new AbortController().signal);
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
});
