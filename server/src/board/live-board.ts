/**
 * A board in memory: its Y.Doc and the pipeline that turns commands into durable changes.
 *
 * The pipeline runs one batch at a time: it takes every queued command, drops retries, authorises
 * and applies the rest to the document (each in its own transaction), commits the merged update
 * with the command ids in one storage write, and only then publishes the update and acknowledges
 * the commands. While a batch is being committed, new commands wait in the queue; so between
 * batches the document equals what storage holds, and a replica is only ever sent committed state.
 */
import * as Y from 'yjs';
import {
  applyCommand,
  commandTarget,
  ErrorCode,
  isAllowed,
  PERMISSIONS,
  type CommandAck,
  type CommandEnvelope,
  type DocVersion,
  type ProtocolError,
} from '@pajataulu/shared';
import { createLogger } from '../log.js';
import type { CommitBatch, Storage } from '../storage/storage.js';
import { actorKey, type Session } from './session.js';

const log = createLogger('board');

/** Commands one board may hold waiting for the pipeline; more are refused as `rate_limited`. */
export const MAX_QUEUED_COMMANDS_PER_BOARD = 10_000;
/** Commands taken into one batch at most. */
export const MAX_COMMANDS_PER_BATCH = 500;
/** Recently applied command keys remembered in memory (older ones are looked up in storage). */
export const RECENT_COMMAND_MEMORY = 20_000;

/** Transaction origin of every change the server makes through a command. */
export const COMMAND_ORIGIN = Symbol('pajataulu.command');

interface Queued {
  session: Session;
  envelope: CommandEnvelope;
  resolve: (ack: CommandAck) => void;
}

export interface LiveBoardHooks {
  /** A batch is durable; `update` is its merged Yjs update. */
  committed(boardId: string, update: Uint8Array): void;
  /** The in-memory state can no longer be trusted (storage failed); drop and reload the board. */
  failed(boardId: string, err: unknown): void;
}

export class LiveBoard {
  private readonly queue: Queued[] = [];
  private running = false;
  private dead = false;
  /** Callbacks waiting for the document to equal the committed state. */
  private readonly idleWaiters: (() => void)[] = [];
  private readonly recent = new Set<string>();
  private updatesSinceCompaction: number;

  constructor(
    readonly id: string,
    readonly doc: Y.Doc,
    private readonly authors: Map<string, string>,
    private readonly storage: Storage,
    private readonly hooks: LiveBoardHooks,
    private readonly compactAfterUpdates: number,
    private lastUpdateId: number,
    pendingLogEntries: number,
  ) {
    this.updatesSinceCompaction = pendingLogEntries;
  }

  /** The document version that holds every committed change. */
  version(): DocVersion {
    return { client: this.doc.clientID, clock: Y.getState(this.doc.store, this.doc.clientID) };
  }

  /** Ids of the notes a participant wrote that still exist. */
  ownNotes(participantId: string): string[] {
    const out: string[] = [];
    for (const [noteId, author] of this.authors) if (author === participantId) out.push(noteId);
    return out;
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

  /** Resolves when every queued command has been committed or refused. */
  drained(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) =>
      this.idleWaiters.push(() => (this.idle ? resolve() : void this.drained().then(resolve))),
    );
  }

  /** Queues a parsed command; resolves with its acknowledgement once it is durable or refused. */
  submit(session: Session, envelope: CommandEnvelope): Promise<CommandAck> {
    if (this.dead) return Promise.resolve(fail(ErrorCode.Unavailable, 'board is reloading; retry'));
    if (this.queue.length >= MAX_QUEUED_COMMANDS_PER_BOARD) {
      return Promise.resolve(fail(ErrorCode.RateLimited, 'the board is busy; retry shortly'));
    }
    return new Promise((resolve) => {
      this.queue.push({ session, envelope, resolve });
      if (!this.running) {
        this.running = true;
        // Let commands arriving in the same turn join the batch.
        setImmediate(() => void this.run());
      }
    });
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.dead) {
        const batch = this.queue.splice(0, MAX_COMMANDS_PER_BATCH);
        await this.processBatch(batch);
      }
    } finally {
      this.running = false;
      const waiters = this.idleWaiters.splice(0);
      for (const w of waiters) w();
    }
  }

  private async processBatch(batch: Queued[]): Promise<void> {
    const at = Date.now();
    // 1. Retries: a command id this actor had applied before is acknowledged again, not re-applied.
    const duplicate = new Array<boolean>(batch.length).fill(false);
    for (let i = 0; i < batch.length; i++) {
      const q = batch[i]!;
      const key = commandKey(q.session, q.envelope.id);
      if (this.recent.has(key)) duplicate[i] = true;
      else {
        try {
          duplicate[i] = await this.storage.isCommandApplied(
            this.id,
            actorKey(q.session),
            q.envelope.id,
          );
        } catch (err) {
          log.error('command lookup failed', { board: this.id, err });
          for (const b of batch)
            b.resolve(fail(ErrorCode.Unavailable, 'storage is unavailable; retry'));
          return;
        }
      }
    }

    // 2. Apply, each command in its own transaction; collect the updates.
    const updates: Uint8Array[] = [];
    const onUpdate = (u: Uint8Array, origin: unknown) => {
      if (origin === COMMAND_ORIGIN) updates.push(u);
    };
    const results: (ProtocolError | 'applied' | 'duplicate')[] = [];
    const commit: CommitBatch = {
      boardId: this.id,
      update: new Uint8Array(),
      commands: [],
      authors: [],
      deletedNotes: [],
      at,
    };
    this.doc.on('update', onUpdate);
    try {
      for (let i = 0; i < batch.length; i++) {
        const q = batch[i]!;
        const key = commandKey(q.session, q.envelope.id);
        if (duplicate[i] || this.recent.has(key)) {
          results.push('duplicate');
          continue;
        }
        const denied = this.authorize(q.session, q.envelope);
        if (denied) {
          results.push(denied);
          continue;
        }
        let outcome: ReturnType<typeof applyCommand> = { ok: true };
        this.doc.transact(() => {
          outcome = applyCommand(this.doc, q.envelope.command, { now: at });
        }, COMMAND_ORIGIN);
        if (!outcome.ok) {
          results.push((outcome as { ok: false; error: ProtocolError }).error);
          continue;
        }
        this.remember(key);
        commit.commands.push({ actor: actorKey(q.session), commandId: q.envelope.id });
        this.recordAuthorship(q, commit);
        results.push('applied');
      }
    } finally {
      this.doc.off('update', onUpdate);
    }

    // 3. Commit, then publish and acknowledge.
    if (commit.commands.length > 0) {
      commit.update = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
      try {
        this.lastUpdateId = await this.storage.commit(commit);
      } catch (err) {
        this.dead = true;
        for (const q of [...batch, ...this.queue.splice(0)]) {
          q.resolve(
            fail(ErrorCode.Unavailable, 'storage is unavailable; nothing was changed; retry'),
          );
        }
        this.hooks.failed(this.id, err);
        return;
      }
      this.updatesSinceCompaction++;
      if (updates.length > 0) this.hooks.committed(this.id, commit.update);
    }
    const version = this.version();
    batch.forEach((q, i) => {
      const r = results[i]!;
      if (r === 'applied') q.resolve({ ok: true, applied: true, version });
      else if (r === 'duplicate') q.resolve({ ok: true, applied: false, version });
      else q.resolve({ ok: false, error: r });
    });
    if (this.updatesSinceCompaction >= this.compactAfterUpdates) await this.compact();
  }

  private authorize(session: Session, envelope: CommandEnvelope): ProtocolError | undefined {
    const command = envelope.command;
    const grant = PERMISSIONS[command.type][session.role];
    if (grant === 'never')
      return err(ErrorCode.Forbidden, `a ${session.role} may not ${command.type}`);
    const target = commandTarget(command);
    if (target && grant === 'own') {
      const exists =
        target.kind === 'note'
          ? this.doc.getMap('notes').has(target.id)
          : this.doc.getMap('prompts').has(target.id);
      if (!exists) return err(ErrorCode.NotFound, `no such ${target.kind}`);
      const owns = target.kind === 'note' && this.authors.get(target.id) === session.participantId;
      if (!isAllowed(session.role, command.type, owns)) {
        return err(ErrorCode.Forbidden, `only the author may ${command.type}`);
      }
    }
    return undefined;
  }

  private recordAuthorship(q: Queued, commit: CommitBatch): void {
    const c = q.envelope.command;
    if (c.type === 'note.add' && q.session.participantId) {
      this.authors.set(c.id, q.session.participantId);
      commit.authors.push({ noteId: c.id, participantId: q.session.participantId });
    } else if (c.type === 'note.delete') {
      this.authors.delete(c.id);
      commit.deletedNotes.push(c.id);
    }
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

  /** Refuses everything from now on (the board is being unloaded or reloaded). */
  kill(): void {
    this.dead = true;
    for (const q of this.queue.splice(0))
      q.resolve(fail(ErrorCode.Unavailable, 'board is reloading; retry'));
  }

  destroy(): void {
    this.kill();
    this.doc.destroy();
  }
}

function commandKey(session: Session, commandId: string): string {
  return `${actorKey(session)}\u0000${commandId}`;
}

function err(code: ErrorCode, message: string): ProtocolError {
  return { code, message };
}

function fail(code: ErrorCode, message: string): CommandAck {
  return { ok: false, error: { code, message } };
}
