/**
 * A board in memory: its Y.Doc, its server-private state, and the pipeline that turns commands
 * and joins into durable changes.
 *
 * The pipeline runs one batch at a time, in named phases (each in `pipeline/`, each tested on its
 * own): catch up with what other instances committed (`catch-up.ts`), recognise retries
 * (`dedupe.ts`), check and apply the rest to the document, each in its own transaction, and to the
 * private state (`apply-batch.ts`), commit the merged update, the command ids and the private
 * changes in one storage write (`commit.ts`), and only then hand the batch's delivery plan
 * (`audiences.ts`) to the listeners and acknowledge (`publish.ts`). While a batch is being
 * committed, new jobs wait in the queue; so between batches the document equals what storage
 * holds, and a replica is only ever sent committed state.
 *
 * On shared storage (PostgreSQL, many instances) each batch runs inside a {@link BoardLock}: the
 * board's row is locked, the instance first catches up with whatever other instances committed
 * (document and private state), then applies and commits. Updates other instances announce
 * (Redis) are applied between batches when they follow on from the last one seen; a gap is filled
 * from storage.
 */
import * as Y from 'yjs';
import {
  ErrorCode,
  listRounds,
  readMeta,
  type CommandAck,
  type CommandEnvelope,
  type DocVersion,
  type PrivateState,
  type ProtocolError,
} from '@pajataulu/shared';
import { createLogger } from '../log.js';
import type { BoardLock, ParticipantRecord, Storage } from '../storage/storage.js';
import { boardFlagSource } from './personal-data.js';
import { applyBatch, type AppliedBatch, type ApplyContext } from './pipeline/apply-batch.js';
import {
  EMPTY_PLAN,
  sessionView,
  type DeliveryPlan,
  type SessionView,
} from './pipeline/audiences.js';
import { catchUp, orderAnnounced } from './pipeline/catch-up.js';
import { commitBatch, type CommitInfo } from './pipeline/commit.js';
import { findRetries, RecentCommands } from './pipeline/dedupe.js';
import {
  err,
  resolveRefused,
  sortJobs,
  type CatchUpJob,
  type Job,
  type JoinResult,
  type RemoteJob,
  type WriteJob,
} from './pipeline/jobs.js';
import { acknowledge } from './pipeline/publish.js';
import type { Session } from './session.js';

export type { CommitInfo, JoinResult };

const log = createLogger('board');

/** Jobs one board may hold waiting for the pipeline; more are refused as `rate_limited`. */
export const MAX_QUEUED_JOBS_PER_BOARD = 10_000;
/** Jobs taken into one batch at most. */
export const MAX_JOBS_PER_BATCH = 500;
/** Longest single wait for a timer's end; longer waits re-arm (timers cap far below it anyway). */
export const MAX_TIMER_WAIT_MS = 60 * 60 * 1000;

/** Transaction origin of changes other instances committed. */
export const REMOTE_ORIGIN = Symbol('pajataulu.remote');

/** The board's row is gone from shared storage: it was erased. */
export class BoardErasedError extends Error {
  constructor() {
    super('the board was erased');
    this.name = 'BoardErasedError';
  }
}

export interface LiveBoardHooks {
  /**
   * A batch is durable; `update` is its merged Yjs update, if it changed the document, and `plan`
   * says who receives what beyond it.
   */
  committed(boardId: string, update: Uint8Array | null, plan: DeliveryPlan, info: CommitInfo): void;
  /** The in-memory state can no longer be trusted (storage failed); drop and reload the board. */
  failed(boardId: string, err: unknown): void;
  /**
   * Applying a batch threw something nobody expected (a bug): the batch was refused and the board
   * must be reloaded. `commandKey` names the command being applied when it threw, if any.
   */
  faulted(boardId: string, err: unknown, commandKey: string | undefined): void;
  /** Whether a command (by its key) threw here before; it is then refused unapplied. */
  poisoned(commandKey: string): boolean;
  /** Test seam: see `RegistryOptions.beforeApply`. */
  beforeApply?: (boardId: string, envelope: CommandEnvelope) => void;
}

export class LiveBoard {
  private readonly queue: Job[] = [];
  private running = false;
  private dead = false;
  /** Callbacks waiting for the document to equal the committed state. */
  private readonly idleWaiters: (() => void)[] = [];
  private readonly recent = new RecentCommands();
  private updatesSinceCompaction: number;
  /** Batches that changed the document since the board was loaded. */
  private batches = 0;
  /** Key of the command being applied, so a throw can be pinned on it. */
  private applying: string | undefined;

  /** The board's commit sequence the document holds (shared storage). */
  private seq: number;
  /** The commit sequence the private state holds; behind `seq` after updates from Redis. */
  private privateSeq: number;

  constructor(
    readonly id: string,
    readonly doc: Y.Doc,
    /** Server-private state; replaced whole when catching up with other instances. */
    private current: PrivateState,
    private readonly storage: Storage,
    private readonly hooks: LiveBoardHooks,
    private readonly compactAfterUpdates: number,
    private lastUpdateId: number,
    pendingLogEntries: number,
    seq = 0,
  ) {
    this.updatesSinceCompaction = pendingLogEntries;
    this.seq = seq;
    this.privateSeq = seq;
  }

  /**
   * Another instance committed batch `seq` of this board. Applied between batches when it follows
   * the last one seen; after a gap the board catches up from storage instead.
   */
  remote(seq: number, updateId: number | undefined, update: Uint8Array | null): void {
    if (seq <= this.seq || this.dead) return;
    this.enqueue({ kind: 'remote', seq, updateId, update });
  }

  /**
   * Resolves once the document and private state hold everything committed so far by any
   * instance (at once on a single instance); rejects when storage cannot be read.
   */
  fresh(): Promise<void> {
    if (!this.storage.shared) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const refused = this.enqueue({
        kind: 'catchUp',
        resolve: (ok) => (ok ? resolve() : reject(new Error('storage is unavailable'))),
      });
      if (refused) reject(new Error(refused.message));
    });
  }

  /** Catches up from storage in the background when another instance is ahead (a missed announcement). */
  behind(storedSeq: number): void {
    if (storedSeq > this.seq && !this.dead) this.enqueue({ kind: 'catchUp', resolve: () => {} });
  }

  /**
   * The server-private state, for inspection (tests). Connections read it through the methods
   * below, which say what each session may see.
   */
  get state(): PrivateState {
    return this.current;
  }

  /**
   * What a connecting session may see of the private state (see `sessionView`); undefined for a
   * participant who is unknown or was removed.
   */
  viewFor(session: Session): SessionView | undefined {
    return sessionView(
      this.current,
      listRounds(this.doc).map((r) => r.id),
      session,
      this.doc,
    );
  }

  /** The document version that holds every committed change. */
  version(): DocVersion {
    return { client: this.doc.clientID, clock: Y.getState(this.doc.store, this.doc.clientID) };
  }

  /** Whether nothing is queued or being committed. */
  get idle(): boolean {
    return !this.running && this.queue.length === 0;
  }

  /** Runs `fn` as soon as the document equals the committed state (now, if it does). */
  whenCommitted(fn: () => void): void {
    if (!this.running) fn();
    else this.idleWaiters.push(fn);
  }

  /** Resolves when every queued job has been committed or refused. */
  drained(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(() => void this.drained().then(resolve)));
  }

  /** Queues a parsed command; resolves with its acknowledgement once it is durable or refused. */
  submit(session: Session, envelope: CommandEnvelope): Promise<CommandAck> {
    return new Promise((resolve) => {
      const refused = this.enqueue({ kind: 'command', session, envelope, resolve });
      if (refused) resolve({ ok: false, error: refused });
    });
  }

  /** Adds a participant through the pipeline (group counts and tags change with it). */
  join(participant: ParticipantRecord): Promise<JoinResult> {
    return new Promise((resolve) => {
      const refused = this.enqueue({ kind: 'join', participant, resolve });
      if (refused) resolve({ ok: false, error: refused });
    });
  }

  private enqueue(job: Job): ProtocolError | undefined {
    if (this.dead) return err(ErrorCode.Unavailable, 'board is reloading; retry');
    if (this.queue.length >= MAX_QUEUED_JOBS_PER_BOARD)
      return err(ErrorCode.RateLimited, 'the board is busy; retry shortly');
    this.queue.push(job);
    if (!this.running) {
      this.running = true;
      // Let jobs arriving in the same turn join the batch.
      setImmediate(() => void this.run());
    }
    return undefined;
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.dead) {
        const jobs = this.queue.splice(0, MAX_JOBS_PER_BATCH);
        this.applying = undefined;
        try {
          await this.processBatch(jobs);
        } catch (e) {
          this.fault(jobs, e);
        }
      }
    } finally {
      this.running = false;
      for (const w of this.idleWaiters.splice(0)) {
        try {
          w();
        } catch (e) {
          log.error('a waiter for the committed state failed', { board: this.id, err: e });
        }
      }
    }
  }

  /**
   * One batch, phase by phase: catch up (announced batches, then what storage holds beyond them,
   * inside the board's lock), find retries, check and apply, commit, then hand the delivery plan
   * to the listeners and answer every job. Each phase lives in `pipeline/`.
   */
  private async processBatch(jobs: Job[]): Promise<void> {
    const at = Date.now();
    const { remote, catchUps, writes } = sortJobs(jobs);
    // 0. Updates other instances announced, in order; a gap means something was missed.
    const gap = this.applyAnnounced(remote);
    const shared = this.storage.shared;
    if (writes.length === 0 && (!shared || (catchUps.length === 0 && !gap))) {
      for (const r of catchUps) r.resolve(true);
      return;
    }

    // 1. Lock the board (shared storage) and catch up with what other instances committed.
    const lock = await this.lockAndCatchUp(writes, catchUps);
    if (!lock) return;
    if (writes.length === 0) {
      await lock.release().catch(() => undefined);
      return;
    }

    // 2. Retries: a command id this actor had applied before is acknowledged again, not re-applied.
    let duplicate: boolean[];
    try {
      duplicate = await findRetries(lock, writes, this.recent);
    } catch (e) {
      log.error('command lookup failed', { board: this.id, err: e });
      await lock.release().catch(() => undefined);
      for (const j of writes)
        resolveRefused(j, err(ErrorCode.Unavailable, 'storage is unavailable; retry'));
      return;
    }

    // 3. Check and apply; collect the document update, private effects and audiences.
    let applied: AppliedBatch;
    try {
      applied = applyBatch(this.applyContext(), writes, duplicate, at);
    } catch (e) {
      // Never leave the board locked for the other instances.
      await lock.release().catch(() => undefined);
      throw e;
    }

    // 4. Commit, then 5. publish and acknowledge.
    let info: CommitInfo | undefined;
    try {
      info = await commitBatch(lock, applied.commit);
    } catch (e) {
      this.dead = true;
      const refusal = err(
        ErrorCode.Unavailable,
        'storage is unavailable; nothing was changed; retry',
      );
      for (const j of [...writes, ...this.queue.splice(0)]) resolveRefused(j, refusal);
      this.hooks.failed(this.id, e);
      return;
    }
    if (info) {
      this.seq = info.seq!;
      this.privateSeq = info.seq!;
      if (info.updateId !== undefined) {
        this.lastUpdateId = info.updateId;
        this.updatesSinceCompaction++;
      }
      const plan = applied.ledger.plan(this.current, boardFlagSource(this.doc, this.current));
      this.hooks.committed(this.id, applied.commit.update, plan, info);
    }
    acknowledge(writes, applied.outcomes, this.version());
    this.scheduleTimer();
    if (this.updatesSinceCompaction >= this.compactAfterUpdates) await this.compact();
  }

  /** Applies announced batches that follow on from the last one seen; true when one is missing. */
  private applyAnnounced(remote: RemoteJob[]): boolean {
    const { apply, gap } = orderAnnounced(remote, this.seq);
    for (const r of apply) {
      if (r.update) this.applyRemote([r.update], { remote: true, seq: r.seq });
      this.seq = r.seq;
      if (r.updateId !== undefined) this.lastUpdateId = Math.max(this.lastUpdateId, r.updateId);
    }
    // A timer another instance started ends here too if that instance goes away.
    if (remote.length > 0) this.scheduleTimer();
    return gap;
  }

  /**
   * Locks the board and brings it up to what storage holds. Undefined when the batch cannot go
   * on (the board was erased, or storage is away); its jobs are then answered.
   */
  private async lockAndCatchUp(
    writes: WriteJob[],
    catchUps: CatchUpJob[],
  ): Promise<BoardLock | undefined> {
    let lock: BoardLock | undefined;
    try {
      lock = await this.storage.lockBoard(this.id);
      if (lock.seq === undefined) {
        await lock.release();
        for (const r of catchUps) r.resolve(false);
        this.erased(writes);
        return undefined;
      }
      const caught = await catchUp(
        lock,
        { seq: this.seq, privateSeq: this.privateSeq, lastUpdateId: this.lastUpdateId },
        this.current,
      );
      if (caught) {
        this.applyRemote(caught.updates, { remote: true, seq: caught.position.seq });
        this.lastUpdateId = caught.position.lastUpdateId;
        this.current = caught.state;
        this.seq = caught.position.seq;
        this.privateSeq = caught.position.privateSeq;
        this.scheduleTimer();
      }
    } catch (e) {
      log.error('storage unavailable', { board: this.id, err: e });
      await lock?.release().catch(() => undefined);
      for (const r of catchUps) r.resolve(false);
      for (const j of writes)
        resolveRefused(j, err(ErrorCode.Unavailable, 'storage is unavailable; retry'));
      return undefined;
    }
    for (const r of catchUps) r.resolve(true);
    return lock;
  }

  private applyContext(): ApplyContext {
    return {
      boardId: this.id,
      doc: this.doc,
      state: this.current,
      recent: this.recent,
      poisoned: (key) => this.hooks.poisoned(key),
      applying: (key) => (this.applying = key),
      nextRevision: () => ++this.batches,
      ...(this.hooks.beforeApply ? { beforeApply: this.hooks.beforeApply } : {}),
    };
  }

  /** Applies updates other instances committed and passes the change on to local replicas. */
  private applyRemote(updates: Uint8Array[], info: CommitInfo): void {
    if (updates.length === 0) return;
    // What this transaction changed, as Yjs reports it: a diff against the state vector before
    // would carry the document's whole delete set every time, which grows with every move.
    let diff: Uint8Array | undefined;
    const onUpdate = (update: Uint8Array, origin: unknown) => {
      if (origin === REMOTE_ORIGIN) diff = update;
    };
    this.doc.on('update', onUpdate);
    try {
      this.doc.transact(() => {
        for (const u of updates) Y.applyUpdate(this.doc, u);
      }, REMOTE_ORIGIN);
    } finally {
      this.doc.off('update', onUpdate);
    }
    this.hooks.committed(this.id, diff ?? Y.mergeUpdates([]), EMPTY_PLAN, info);
  }

  /** The board was erased (by an operator, through another instance): refuse and unload. */
  private erased(batch: Job[]): void {
    this.dead = true;
    const gone = err(ErrorCode.BoardNotFound, 'the board no longer exists');
    for (const j of [...batch, ...this.queue.splice(0)]) resolveRefused(j, gone);
    this.hooks.failed(this.id, new BoardErasedError());
  }

  /**
   * A batch threw past its own handling. Nothing of it was committed or published, but the
   * document may hold half of it: refuse the batch with `internal` (clients retry, and the
   * command that threw is refused at once from then on), refuse what waits, and have the board
   * reloaded from storage. Every other board goes on serving.
   */
  private fault(jobs: Job[], e: unknown): void {
    this.dead = true;
    const culprit = this.applying;
    this.applying = undefined;
    const internal = err(ErrorCode.Internal, 'unexpected server error; nothing was changed');
    for (const j of jobs) resolveRefused(j, internal);
    const waiting = err(ErrorCode.Unavailable, 'board is reloading; retry');
    for (const j of this.queue.splice(0)) resolveRefused(j, waiting);
    this.hooks.faulted(this.id, e, culprit);
  }

  private timer: NodeJS.Timeout | undefined;

  /** Arms a wake-up for the end of a running timer (re-armed after every batch and at load). */
  scheduleTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dead) return;
    const t = readMeta(this.doc).timer;
    if (t.state !== 'running') return;
    const wait = Math.max(0, Math.min(t.endsAt - Date.now(), MAX_TIMER_WAIT_MS));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueue({ kind: 'tick', resolve: () => undefined });
    }, wait);
    this.timer.unref();
  }

  /** Folds the update log into one snapshot. Runs only when the document equals storage. */
  async compact(): Promise<void> {
    if (this.updatesSinceCompaction === 0) return;
    const snapshot = Y.encodeStateAsUpdate(this.doc);
    try {
      await this.storage.compact(this.id, snapshot, this.lastUpdateId);
      this.updatesSinceCompaction = 0;
    } catch (e) {
      // The log is still complete; compaction is retried later.
      log.warn('compaction failed', { board: this.id, err: e });
    }
  }

  /** Refuses everything from now on (the board is being reloaded). */
  kill(): void {
    this.dead = true;
    for (const j of this.queue.splice(0))
      resolveRefused(j, err(ErrorCode.Unavailable, 'board is reloading; retry'));
  }

  destroy(): void {
    this.kill();
    if (this.timer) clearTimeout(this.timer);
    this.doc.destroy();
  }
}
