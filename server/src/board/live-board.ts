/**
 * A board in memory: its Y.Doc, its server-private state, and the pipeline that turns commands
 * and joins into durable changes.
 *
 * The pipeline runs one batch at a time: it takes every queued job, drops retried commands,
 * applies the rest to the document (each in its own transaction) and to the private state, commits
 * the merged update, the command ids and the private changes in one storage write, and only then
 * publishes the update and acknowledges. While a batch is being committed, new jobs wait in the
 * queue; so between batches the document equals what storage holds, and a replica is only ever
 * sent committed state.
 *
 * On shared storage (PostgreSQL, many instances) each batch runs inside a {@link BoardLock}: the
 * board's row is locked, the instance first catches up with whatever other instances committed
 * (document and private state), then applies and commits. Updates other instances announce
 * (Redis) are applied between batches when they follow on from the last one seen; a gap is filled
 * from storage.
 */
import * as Y from 'yjs';
import {
  PrivateState,
  applyCommand,
  assignStation,
  ErrorCode,
  expireTimer,
  metaMap,
  readMeta,
  refreshGroupTags,
  type CommandAck,
  type CommandEnvelope,
  type DocVersion,
  type OffstageChange,
  type OffstageNote,
  type OffstageRecord,
  type PrivateEffect,
  type ProtocolError,
} from '@pajataulu/shared';
import { hashSecret } from '../crypto.js';
import { createLogger } from '../log.js';
import type {
  BoardLock,
  CommitBatch,
  ParticipantRecord,
  Storage,
  StoredPrivate,
} from '../storage/storage.js';
import { applyLoggedChanges, participantInfo } from './private-catch-up.js';
import { actorKey, type Session } from './session.js';

const log = createLogger('board');

/** Jobs one board may hold waiting for the pipeline; more are refused as `rate_limited`. */
export const MAX_QUEUED_JOBS_PER_BOARD = 10_000;
/** Jobs taken into one batch at most. */
export const MAX_JOBS_PER_BATCH = 500;
/** Longest single wait for a timer's end; longer waits re-arm (timers cap far below it anyway). */
export const MAX_TIMER_WAIT_MS = 60 * 60 * 1000;
/** Recently applied command keys remembered in memory (older ones are looked up in storage). */
export const RECENT_COMMAND_MEMORY = 20_000;

/** Transaction origin of every change the server makes through a command or a join. */
export const COMMAND_ORIGIN = Symbol('pajataulu.command');
/** Transaction origin of changes other instances committed. */
export const REMOTE_ORIGIN = Symbol('pajataulu.remote');

/** The board's row is gone from shared storage: it was erased. */
export class BoardErasedError extends Error {
  constructor() {
    super('the board was erased');
    this.name = 'BoardErasedError';
  }
}

/** Who should hear of an offstage change: one participant, or every facilitator. */
export type Audience = { participantId: string } | { facilitators: true };

/** What a committed batch means for connections beyond the document update. */
export interface BatchOutcome {
  /** Offstage changes per audience key (`participant:<id>` or `facilitators`). */
  offstage: Map<string, OffstageChange>;
  /** Participants removed in this batch. */
  revoked: string[];
  /** The facilitator key was replaced: sessions with the old one must go. */
  keyRotated: boolean;
  /** Rounds in which a participant's own dots changed: participant id → round ids. */
  votes: Map<string, Set<string>>;
  /** Participants put in a station in this batch: participant id → station prompt id. */
  stations: Map<string, string>;
  /** Notes whose reactions from a participant changed: participant id → note ids. */
  reactions: Map<string, Set<string>>;
}

/** Where a change to a live board came from, and where it stands in the board's commit order. */
export interface CommitInfo {
  /** True when another instance committed it (already announced; not to be published again). */
  remote: boolean;
  /** The board's commit sequence after it (shared storage only). */
  seq?: number;
  /** The log entry written, when the batch changed the document. */
  updateId?: number;
}

export interface LiveBoardHooks {
  /** A batch is durable; `update` is its merged Yjs update, if it changed the document. */
  committed(
    boardId: string,
    update: Uint8Array | null,
    outcome: BatchOutcome,
    info: CommitInfo,
  ): void;
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

export interface JoinRequest {
  participant: ParticipantRecord;
}
export type JoinResult = { ok: true } | { ok: false; error: ProtocolError };

type Job =
  | {
      kind: 'command';
      session: Session;
      envelope: CommandEnvelope;
      resolve: (ack: CommandAck) => void;
    }
  | { kind: 'join'; participant: ParticipantRecord; resolve: (r: JoinResult) => void }
  /** The timer's end has come: run what it was set to do. */
  | { kind: 'tick'; resolve: (r: JoinResult) => void }
  /** Another instance committed batch `seq` (announced over Redis). */
  | { kind: 'remote'; seq: number; updateId: number | undefined; update: Uint8Array | null }
  /** Catch up with storage (shared storage); rejects when storage cannot be read. */
  | { kind: 'catchUp'; resolve: (ok: boolean) => void };

type Outcome =
  | { kind: 'applied'; result?: Record<string, string> }
  | { kind: 'duplicate' }
  | { kind: 'refused'; error: ProtocolError };

export class LiveBoard {
  private readonly queue: Job[] = [];
  private running = false;
  private dead = false;
  /** Callbacks waiting for the document to equal the committed state. */
  private readonly idleWaiters: (() => void)[] = [];
  private readonly recent = new Set<string>();
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
    public state: PrivateState,
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

  private async processBatch(jobs: Job[]): Promise<void> {
    const at = Date.now();
    // 0. Updates other instances announced, in order; a gap means something was missed.
    let gap = false;
    const remote = jobs.filter((j) => j.kind === 'remote').sort((a, b) => a.seq - b.seq);
    for (const r of remote) {
      if (r.seq <= this.seq) continue;
      if (r.seq !== this.seq + 1) {
        gap = true;
        continue;
      }
      if (r.update) this.applyRemote([r.update], { remote: true, seq: r.seq });
      this.seq = r.seq;
      if (r.updateId !== undefined) this.lastUpdateId = Math.max(this.lastUpdateId, r.updateId);
    }
    // A timer another instance started ends here too if that instance goes away.
    if (remote.length > 0) this.scheduleTimer();
    const catchUps: ((ok: boolean) => void)[] = [];
    const batch: Exclude<Job, { kind: 'remote' } | { kind: 'catchUp' }>[] = [];
    for (const j of jobs) {
      if (j.kind === 'catchUp') catchUps.push(j.resolve);
      else if (j.kind !== 'remote') batch.push(j);
    }
    const shared = this.storage.shared;
    if (batch.length === 0 && (!shared || (catchUps.length === 0 && !gap))) {
      for (const r of catchUps) r(true);
      return;
    }

    // 1. Lock the board (shared storage) and catch up with what other instances committed.
    let lock: BoardLock | undefined;
    try {
      lock = await this.storage.lockBoard(this.id);
      if (lock.seq === undefined) {
        await lock.release();
        for (const r of catchUps) r(false);
        this.erased(batch);
        return;
      }
      if (lock.seq !== this.seq || lock.seq !== this.privateSeq) {
        const c = await lock.catchUp(this.lastUpdateId, this.privateSeq);
        const parts: Uint8Array[] = [];
        if (c.snapshot) parts.push(c.snapshot.data);
        for (const u of c.updates) parts.push(u.data);
        this.applyRemote(parts, { remote: true, seq: lock.seq });
        this.lastUpdateId = Math.max(
          this.lastUpdateId,
          c.snapshot?.throughUpdateId ?? 0,
          c.updates.at(-1)?.id ?? 0,
        );
        this.state =
          c.private.kind === 'whole'
            ? buildPrivateState(c.private.state)
            : applyLoggedChanges(this.state, c.private.batches);
        this.seq = lock.seq;
        this.privateSeq = lock.seq;
        this.scheduleTimer();
      }
    } catch (e) {
      log.error('storage unavailable', { board: this.id, err: e });
      await lock?.release().catch(() => undefined);
      for (const r of catchUps) r(false);
      for (const j of batch)
        resolveRefused(j, err(ErrorCode.Unavailable, 'storage is unavailable; retry'));
      return;
    }
    for (const r of catchUps) r(true);
    if (batch.length === 0) {
      await lock.release().catch(() => undefined);
      return;
    }

    // 2. Retries: a command id this actor had applied before is acknowledged again, not re-applied.
    const duplicate: boolean[] = [];
    try {
      const unknown: { actor: string; commandId: string }[] = [];
      for (const job of batch) {
        if (job.kind === 'command' && !this.recent.has(commandKey(job.session, job.envelope.id)))
          unknown.push({ actor: actorKey(job.session), commandId: job.envelope.id });
      }
      const applied = await lock.appliedCommands(unknown);
      for (const job of batch) {
        if (job.kind !== 'command') duplicate.push(false);
        else {
          const key = commandKey(job.session, job.envelope.id);
          duplicate.push(this.recent.has(key) || applied.has(key));
        }
      }
    } catch (e) {
      log.error('command lookup failed', { board: this.id, err: e });
      await lock.release().catch(() => undefined);
      for (const j of batch)
        resolveRefused(j, err(ErrorCode.Unavailable, 'storage is unavailable; retry'));
      return;
    }

    // 3. Apply; collect document updates and private effects.
    const updates: Uint8Array[] = [];
    const onUpdate = (u: Uint8Array, origin: unknown) => {
      if (origin === COMMAND_ORIGIN) updates.push(u);
    };
    const commit: CommitBatch = {
      boardId: this.id,
      update: null,
      commands: [],
      effects: [],
      joined: [],
      at,
    };
    const outcome: BatchOutcome = {
      offstage: new Map(),
      revoked: [],
      keyRotated: false,
      votes: new Map(),
      stations: new Map(),
      reactions: new Map(),
    };
    const outcomes: Outcome[] = [];
    this.doc.on('update', onUpdate);
    try {
      batch.forEach((job, i) => {
        if (job.kind === 'join') {
          outcomes.push(this.applyJoin(job.participant, commit, outcome));
          return;
        }
        if (job.kind === 'tick') {
          outcomes.push(this.applyTick(at, commit, outcome));
          return;
        }
        const key = commandKey(job.session, job.envelope.id);
        if (duplicate[i] || this.recent.has(key)) {
          outcomes.push({ kind: 'duplicate' });
          return;
        }
        if (this.hooks.poisoned(key)) {
          outcomes.push({
            kind: 'refused',
            error: err(ErrorCode.Internal, 'this command failed on the server; it is not retried'),
          });
          return;
        }
        this.applying = key;
        this.hooks.beforeApply?.(this.id, job.envelope);
        const o = this.applyOne(job.session, job.envelope, at, commit, outcome);
        this.applying = undefined;
        if (o.kind === 'applied') {
          this.remember(key);
          commit.commands.push({ actor: actorKey(job.session), commandId: job.envelope.id });
        }
        outcomes.push(o);
      });
      if (updates.length > 0) {
        // Deletions do not advance a Yjs clock; this write does, so the version in the
        // acknowledgements marks every change of the batch, deletions included.
        this.doc.transact(() => metaMap(this.doc).set('rev', ++this.batches), COMMAND_ORIGIN);
      }
    } catch (e) {
      // Never leave the board locked for the other instances.
      await lock.release().catch(() => undefined);
      throw e;
    } finally {
      this.doc.off('update', onUpdate);
    }

    // 4. Commit, then publish and acknowledge.
    const changed =
      commit.commands.length > 0 || commit.joined.length > 0 || commit.effects.length > 0;
    if (updates.length > 0)
      commit.update = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
    if (!changed && !commit.update) await lock.release().catch(() => undefined);
    else {
      let info: CommitInfo;
      try {
        const { updateId, seq } = await lock.commit(commit);
        this.seq = seq;
        this.privateSeq = seq;
        info = { remote: false, seq };
        if (updateId !== undefined) {
          this.lastUpdateId = updateId;
          this.updatesSinceCompaction++;
          info.updateId = updateId;
        }
      } catch (e) {
        this.dead = true;
        const refusal = err(
          ErrorCode.Unavailable,
          'storage is unavailable; nothing was changed; retry',
        );
        for (const j of [...batch, ...this.queue.splice(0)]) resolveRefused(j, refusal);
        this.hooks.failed(this.id, e);
        return;
      }
      this.hooks.committed(this.id, commit.update, outcome, info);
    }
    const version = this.version();
    batch.forEach((job, i) => {
      const o = outcomes[i]!;
      if (job.kind === 'join' || job.kind === 'tick') {
        job.resolve(o.kind === 'refused' ? { ok: false, error: o.error } : { ok: true });
      } else if (o.kind === 'refused') job.resolve({ ok: false, error: o.error });
      else {
        const ack: CommandAck = { ok: true, applied: o.kind === 'applied', version };
        if (o.kind === 'applied' && o.result) ack.result = o.result;
        job.resolve(ack);
      }
    });
    this.scheduleTimer();
    if (this.updatesSinceCompaction >= this.compactAfterUpdates) await this.compact();
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
    this.hooks.committed(this.id, diff ?? Y.mergeUpdates([]), emptyOutcome(), info);
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

  private applyTick(now: number, commit: CommitBatch, outcome: BatchOutcome): Outcome {
    const effects: PrivateEffect[] = [];
    this.doc.transact(() => {
      expireTimer(this.doc, {
        now,
        actor: { role: 'facilitator' },
        view: this.state,
        emit: (e) => {
          this.noteAudience(e, outcome);
          this.state.apply(e);
          effects.push(e);
        },
      });
    }, COMMAND_ORIGIN);
    commit.effects.push(...effects);
    return { kind: 'applied' };
  }

  private applyOne(
    session: Session,
    envelope: CommandEnvelope,
    now: number,
    commit: CommitBatch,
    outcome: BatchOutcome,
  ): Outcome {
    if (session.role === 'participant') {
      const p = session.participantId ? this.state.participant(session.participantId) : undefined;
      if (!p || p.revoked)
        return { kind: 'refused', error: err(ErrorCode.Unauthorized, 'the session was removed') };
    }
    const effects: PrivateEffect[] = [];
    let result: ReturnType<typeof applyCommand> = { ok: true };
    this.doc.transact(() => {
      result = applyCommand(this.doc, envelope.command, {
        now,
        actor: session.participantId
          ? { role: session.role, participantId: session.participantId }
          : { role: session.role },
        view: this.state,
        emit: (e) => {
          // Audiences are worked out before the state forgets what the effect removes.
          this.noteAudience(e, outcome);
          this.state.apply(e);
          effects.push(e);
        },
      });
    }, COMMAND_ORIGIN);
    const r = result as ReturnType<typeof applyCommand>;
    if (!r.ok) return { kind: 'refused', error: r.error };
    commit.effects.push(...effects);
    for (const e of effects) {
      if (e.kind === 'vote') {
        let rounds = outcome.votes.get(e.participantId);
        if (!rounds) outcome.votes.set(e.participantId, (rounds = new Set()));
        rounds.add(e.roundId);
      }
      if (e.kind === 'station') outcome.stations.set(e.participantId, e.promptId);
      if (e.kind === 'reaction' && e.actor !== 'facilitator') {
        let notes = outcome.reactions.get(e.actor);
        if (!notes) outcome.reactions.set(e.actor, (notes = new Set()));
        notes.add(e.noteId);
      }
      if (e.kind === 'revoke') outcome.revoked.push(e.participantId);
      if (e.kind === 'rotateKey') {
        commit.facilitatorKeyHash = hashSecret(e.key);
        outcome.keyRotated = true;
      }
    }
    return { kind: 'applied' };
  }

  private applyJoin(p: ParticipantRecord, commit: CommitBatch, outcome: BatchOutcome): Outcome {
    const meta = readMeta(this.doc);
    if (p.groupId !== null && !meta.groups.some((g) => g.id === p.groupId)) {
      return { kind: 'refused', error: err(ErrorCode.InvalidMessage, 'unknown group') };
    }
    const before = p.groupId === null ? 0 : this.state.groupMembers(p.groupId);
    this.state.addParticipant({ id: p.id, group: p.groupId, name: p.displayName, revoked: false });
    const station = assignStation(this.doc, this.state, p.groupId);
    if (station) {
      this.state.apply({ kind: 'station', participantId: p.id, promptId: station });
      outcome.stations.set(p.id, station);
    }
    commit.joined.push(station ? { ...p, stationId: station } : p);
    if (p.groupId !== null && before + 1 >= meta.groupThreshold) {
      // The group has (or still has) enough members: its count changes, and its tag may appear.
      this.doc.transact(() => refreshGroupTags(this.doc, this.state), COMMAND_ORIGIN);
    }
    return { kind: 'applied' };
  }

  private noteAudience(e: PrivateEffect, outcome: BatchOutcome): void {
    let rec: OffstageRecord | undefined;
    let change: 'upsert' | 'remove';
    if (e.kind === 'offstagePut') {
      rec = e.note;
      change = 'upsert';
      const previous = this.state.offstage(e.note.id);
      if (previous && audienceKey(previous) !== audienceKey(rec))
        addChange(outcome, audienceKey(previous), 'remove', previous);
    } else if (e.kind === 'offstageDelete') {
      rec = this.state.offstage(e.noteId);
      change = 'remove';
    } else return;
    if (rec) addChange(outcome, audienceKey(rec), change, rec);
  }

  private remember(key: string): void {
    if (this.recent.size >= RECENT_COMMAND_MEMORY) {
      const oldest = this.recent.values().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    this.recent.add(key);
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

/** `participant:<id>` for a private note's author, `facilitators` for a hidden note. */
export function audienceKey(rec: OffstageRecord): string {
  return rec.state === 'private' && rec.participantId
    ? `participant:${rec.participantId}`
    : 'facilitators';
}

function addChange(
  outcome: BatchOutcome,
  key: string,
  change: 'upsert' | 'remove',
  rec: OffstageRecord,
): void {
  let c = outcome.offstage.get(key);
  if (!c) outcome.offstage.set(key, (c = { upsert: [], remove: [] }));
  c.upsert = c.upsert.filter((n) => n.id !== rec.id);
  c.remove = c.remove.filter((id) => id !== rec.id);
  if (change === 'upsert') c.upsert.push(toOffstageNote(rec));
  else c.remove.push(rec.id);
}

/** The part of an offstage record its audience may see (no author, no group). */
export function toOffstageNote(rec: OffstageRecord): OffstageNote {
  const { id, promptId, text, x, y, color, createdAt, state } = rec;
  return { id, promptId, text, x, y, color, createdAt, state };
}

function commandKey(session: Session, commandId: string): string {
  return `${actorKey(session)}\u0000${commandId}`;
}

function err(code: ErrorCode, message: string): ProtocolError {
  return { code, message };
}

function resolveRefused(job: Job, error: ProtocolError): void {
  if (job.kind === 'command') job.resolve({ ok: false, error });
  else if (job.kind === 'catchUp') job.resolve(false);
  else if (job.kind !== 'remote') job.resolve({ ok: false, error });
}

/** A batch outcome with nothing for anyone but the document's replicas. */
export function emptyOutcome(): BatchOutcome {
  return {
    offstage: new Map(),
    revoked: [],
    keyRotated: false,
    votes: new Map(),
    stations: new Map(),
    reactions: new Map(),
  };
}

/** The in-memory private state from what storage holds. */
export function buildPrivateState(priv: StoredPrivate): PrivateState {
  const state = new PrivateState();
  for (const p of priv.participants) state.addParticipant(participantInfo(p));
  for (const n of priv.notes) state.setNoteMeta(n.noteId, n.participantId, n.groupId);
  for (const o of priv.offstage) state.putOffstage(o);
  for (const p of priv.participants) {
    if (p.stationId) state.apply({ kind: 'station', participantId: p.id, promptId: p.stationId });
  }
  for (const v of priv.votes) {
    for (let i = 0; i < v.dots; i++)
      state.apply({
        kind: 'vote',
        roundId: v.roundId,
        participantId: v.participantId,
        noteId: v.noteId,
        delta: 1,
      });
  }
  for (const r of priv.reactions)
    state.apply({
      kind: 'reaction',
      noteId: r.noteId,
      reaction: r.reaction,
      actor: r.actor,
      on: true,
    });
  return state;
}
