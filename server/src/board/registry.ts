/**
 * Live boards: loaded from storage on first use, kept while anyone is connected, unloaded when
 * idle. The registry is the only place that creates or drops a {@link LiveBoard}.
 */
import * as Y from 'yjs';
import { migrateDoc, type CommandEnvelope } from '@pajataulu/shared';
import { faults } from '../faults.js';
import { createLogger } from '../log.js';
import type { Storage } from '../storage/storage.js';
import { BoardErasedError, LiveBoard, type CommitInfo } from './live-board.js';
import type { DeliveryPlan } from './pipeline/audiences.js';
import { buildPrivateState } from './pipeline/catch-up.js';

const log = createLogger('registry');

/** Transaction origin for state read from storage. */
const LOAD_ORIGIN = Symbol('pajataulu.load');

/**
 * How often an instance on shared storage compares its live boards' commit sequences with the
 * database, to heal an update announcement it missed (Redis down, a dropped message).
 */
export const RESYNC_INTERVAL_MS = 2_000;

/**
 * Commands remembered per board as having thrown while being applied. A retry of one is refused at
 * once, so a command that trips a bug cannot make its board reload again and again.
 */
export const MAX_POISONED_COMMANDS_PER_BOARD = 1_000;

export interface RegistryOptions {
  idleUnloadMs: number;
  compactAfterUpdates: number;
  /**
   * Test seam: called just before each command is applied, inside the batch. A throw stands for a
   * bug in a command handler. Not reachable from configuration.
   */
  beforeApply?: (boardId: string, envelope: CommandEnvelope) => void;
}

export interface RegistryListeners {
  /**
   * A batch of a board became durable; `update` is null when the document did not change, and
   * `plan` says who receives what beyond it (deliver it; do not decide it again).
   */
  onCommitted?: (
    boardId: string,
    update: Uint8Array | null,
    plan: DeliveryPlan,
    info: CommitInfo,
  ) => void;
  /** A board was dropped from memory after a storage failure; replicas must resync. */
  onReset?: (boardId: string) => void;
}

export class BoardRegistry {
  private readonly live = new Map<string, LiveBoard>();
  private readonly loading = new Map<string, Promise<LiveBoard>>();
  private readonly refs = new Map<string, number>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private readonly listeners: RegistryListeners[] = [];
  /** Per board: keys of commands that threw while being applied (see {@link LiveBoard}). */
  private readonly poisoned = new Map<string, Set<string>>();
  private closing = false;
  private readonly resync: NodeJS.Timeout | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly options: RegistryOptions,
  ) {
    if (storage.shared) {
      this.resync = setInterval(() => void this.checkSeqs(), RESYNC_INTERVAL_MS);
      this.resync.unref();
    }
  }

  /** The live board, if it is in memory; never loads. */
  peek(boardId: string): LiveBoard | undefined {
    return this.live.get(boardId);
  }

  /** Ids of the boards in memory. */
  liveIds(): string[] {
    return [...this.live.keys()];
  }

  private async checkSeqs(): Promise<void> {
    const ids = this.liveIds();
    if (ids.length === 0) return;
    let seqs: Map<string, number>;
    try {
      seqs = await this.storage.boardSeqs(ids);
    } catch {
      return; // Storage is down; batches report it.
    }
    for (const id of ids) {
      const b = this.live.get(id);
      const seq = seqs.get(id);
      if (!b) continue;
      if (seq === undefined) this.drop(id);
      else b.behind(seq);
    }
  }

  /**
   * Drops a board from memory at once, without writing (it was erased, here or on another
   * instance); its connections are told to go away.
   */
  drop(boardId: string): void {
    const b = this.live.get(boardId);
    if (!b) return;
    this.live.delete(boardId);
    b.destroy();
    this.poisoned.delete(boardId);
    this.notify('reset', (l) => l.onReset?.(boardId));
  }

  /** Subscribes to board events. Returns the unsubscribe function. */
  listen(l: RegistryListeners): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Number of boards in memory. */
  get size(): number {
    return this.live.size;
  }

  /** Whether a board is in memory now. */
  isLive(boardId: string): boolean {
    return this.live.has(boardId);
  }

  /** Marks a board as in use by one more connection; it stays loaded until released. */
  retain(boardId: string): void {
    this.refs.set(boardId, (this.refs.get(boardId) ?? 0) + 1);
    const t = this.idleTimers.get(boardId);
    if (t) {
      clearTimeout(t);
      this.idleTimers.delete(boardId);
    }
  }

  /** Releases one {@link retain}; the board unloads after the idle delay once nobody holds it. */
  release(boardId: string): void {
    const n = (this.refs.get(boardId) ?? 0) - 1;
    if (n > 0) {
      this.refs.set(boardId, n);
      return;
    }
    this.refs.delete(boardId);
    if (this.closing || !this.live.has(boardId)) return;
    const t = setTimeout(() => {
      this.idleTimers.delete(boardId);
      if (!this.refs.has(boardId))
        this.unload(boardId).catch((err: unknown) =>
          log.error('unload failed', { board: boardId, err }),
        );
    }, this.options.idleUnloadMs);
    t.unref();
    this.idleTimers.set(boardId, t);
  }

  /** The live board, loading it from storage when needed. */
  async get(boardId: string): Promise<LiveBoard> {
    const b = this.live.get(boardId);
    if (b) return b;
    let p = this.loading.get(boardId);
    if (!p) {
      p = this.load(boardId).finally(() => this.loading.delete(boardId));
      this.loading.set(boardId, p);
    }
    return p;
  }

  private async load(boardId: string): Promise<LiveBoard> {
    // The document and the private state as of one commit: catching up starts from there.
    const { doc: stored, private: priv } = await this.storage.loadBoard(boardId);
    const doc = new Y.Doc();
    doc.transact(() => {
      if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
      for (const u of stored.updates) Y.applyUpdate(doc, u);
    }, LOAD_ORIGIN);
    const migrated: Uint8Array[] = [];
    const capture = (u: Uint8Array) => migrated.push(u);
    doc.on('update', capture);
    const { from, to } = migrateDoc(doc);
    doc.off('update', capture);
    const state = buildPrivateState(priv);
    const board = new LiveBoard(
      boardId,
      doc,
      state,
      this.storage,
      {
        committed: (id, update, plan, info) =>
          this.notify('committed', (l) => l.onCommitted?.(id, update, plan, info)),
        failed: (id, err) => this.fail(id, err),
        faulted: (id, err, commandKey) => this.fault(id, err, commandKey),
        poisoned: (key) => this.poisoned.get(boardId)?.has(key) ?? false,
        ...(this.options.beforeApply ? { beforeApply: this.options.beforeApply } : {}),
      },
      this.options.compactAfterUpdates,
      stored.lastUpdateId,
      stored.updates.length + (migrated.length > 0 ? 1 : 0),
      stored.seq,
    );
    if (from !== to) {
      // Store the migrated state before anyone syncs, so every replica starts from it.
      await this.storage.compact(boardId, Y.encodeStateAsUpdate(doc), stored.lastUpdateId);
      log.info('migrated board document', { board: boardId, from, to });
    } else if (stored.updates.length >= this.options.compactAfterUpdates) {
      await board.compact();
    }
    this.live.set(boardId, board);
    board.scheduleTimer();
    log.debug('board loaded', { board: boardId, logEntries: stored.updates.length });
    if (!this.refs.has(boardId) && !this.closing) {
      // Loaded for a one-off request: unload after the idle delay unless someone retains it.
      this.retain(boardId);
      this.release(boardId);
    }
    return board;
  }

  /**
   * Calls every listener; one that throws is logged and the rest still run. A committed batch
   * stays committed whatever a listener does with it.
   */
  private notify(event: string, call: (l: RegistryListeners) => void): void {
    for (const l of this.listeners) {
      try {
        call(l);
      } catch (err) {
        log.error('listener failed', { event, err });
      }
    }
  }

  private fail(boardId: string, err: unknown): void {
    if (err instanceof BoardErasedError)
      log.info('board was erased; dropping it', { board: boardId });
    else log.error('storage commit failed; dropping board from memory', { board: boardId, err });
    this.reset(boardId);
  }

  /**
   * Applying a batch threw: the board's memory may hold half a batch, so it is dropped and loaded
   * again from storage on next use. Only this board is affected.
   */
  private fault(boardId: string, err: unknown, commandKey: string | undefined): void {
    faults.boardFaults++;
    log.error('a batch failed unexpectedly; reloading the board from storage', {
      board: boardId,
      err,
    });
    if (commandKey !== undefined) {
      let set = this.poisoned.get(boardId);
      if (!set) this.poisoned.set(boardId, (set = new Set()));
      if (set.size >= MAX_POISONED_COMMANDS_PER_BOARD) {
        const oldest = set.values().next().value;
        if (oldest !== undefined) set.delete(oldest);
      }
      set.add(commandKey);
    }
    this.reset(boardId);
  }

  private reset(boardId: string): void {
    const b = this.live.get(boardId);
    if (!b) return;
    this.live.delete(boardId);
    b.destroy();
    this.notify('reset', (l) => l.onReset?.(boardId));
  }

  /** Writes everything pending, compacts and drops a board from memory. */
  async unload(boardId: string): Promise<void> {
    const b = this.live.get(boardId);
    if (!b) return;
    await b.drained();
    if (this.refs.has(boardId) && !this.closing) return;
    await b.compact();
    this.live.delete(boardId);
    b.destroy();
    log.debug('board unloaded', { board: boardId });
  }

  /** Flushes and unloads every board (graceful shutdown). */
  async closeAll(): Promise<void> {
    this.closing = true;
    if (this.resync) clearInterval(this.resync);
    for (const t of this.idleTimers.values()) clearTimeout(t);
    this.idleTimers.clear();
    await Promise.allSettled([...this.loading.values()]);
    await Promise.all([...this.live.keys()].map((id) => this.unload(id)));
  }
}
