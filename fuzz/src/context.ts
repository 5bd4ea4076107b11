/**
 * What every target shares during a run: the server, the boards set up for it, the counters,
 * the failures found so far, and the recent inputs of each target (saved with a failure).
 */
import type { ServerProcess } from './server.js';

/** The fuzz targets, in the order of their share of the frames. */
export const TARGET_NAMES = ['sync', 'socketio', 'commands', 'http', 'backup'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** Recent inputs kept per target, to save with a failure. */
export const RECENT_INPUTS = 64;

export type FailureKind =
  | 'crash'
  | 'freeze'
  | 'health'
  | 'rss'
  | 'canary'
  | 'server-error'
  | 'bad-answer'
  | 'no-answer'
  | 'round-trip';

export interface Failure {
  kind: FailureKind;
  target?: TargetName;
  message: string;
  at: number;
  /** Inputs sent just before, per target (JSON-ready: bytes as `{ $bytes: base64 }`). */
  recent?: Partial<Record<TargetName, unknown[]>>;
}

/** Credentials of a board the fuzzer set up. */
export interface BoardCreds {
  boardId: string;
  code: string;
  facilitatorKey: string;
  projectorKey: string;
  /** A participant's session. */
  token: string;
  participantId: string;
}

/** Where a target's inputs come from: a seeded stream, or a replay file's list. */
export interface InputSource<T> {
  next(): T | undefined;
}

export class FuzzContext {
  readonly failures: Failure[] = [];
  readonly frames = new Map<TargetName, number>();
  /** Findings worth printing that are not failures (e.g. valid commands too large to send). */
  readonly notes = new Map<string, number>();
  private readonly recent = new Map<TargetName, { at: number; input: unknown }[]>();
  private restarting: Promise<void> | undefined;
  stopped = false;
  crashes = 0;

  constructor(
    readonly server: ServerProcess,
    readonly canary: BoardCreds,
    readonly play: BoardCreds,
    readonly deadline: number,
  ) {}

  get url(): string {
    return this.server.url;
  }
  get origin(): string {
    return this.server.url;
  }
  get done(): boolean {
    return this.stopped || Date.now() >= this.deadline;
  }

  /** Targets paced by the server's cost per request, stopped once the frame targets are done. */
  readonly pacedStopped = new Set<TargetName>();

  /** Whether a target should stop: the run is over, or it is paced and the frames are sent. */
  doneFor(target: TargetName): boolean {
    return this.done || this.pacedStopped.has(target);
  }

  /** Counts a frame sent by a target and keeps it among the recent inputs. */
  sent(target: TargetName, input: unknown): void {
    this.frames.set(target, (this.frames.get(target) ?? 0) + 1);
    let r = this.recent.get(target);
    if (!r) this.recent.set(target, (r = []));
    r.push({ at: Date.now(), input });
    if (r.length > RECENT_INPUTS) r.shift();
  }

  note(what: string): void {
    this.notes.set(what, (this.notes.get(what) ?? 0) + 1);
  }

  /** When the server last died. */
  lastCrashAt = 0;

  fail(kind: FailureKind, message: string, target?: TargetName, withinMs = 3_000): void {
    // A request in flight when the server died has no answer: that is the crash, not another failure.
    if (kind === 'no-answer' && (!this.server.alive || Date.now() - this.lastCrashAt < 20_000))
      return;
    const since = Date.now() - withinMs;
    const recent: Partial<Record<TargetName, unknown[]>> = {};
    for (const [t, r] of this.recent) {
      const xs = r.filter((x) => x.at >= since).map((x) => x.input);
      if (xs.length) recent[t] = xs;
    }
    this.failures.push({ kind, message, at: Date.now(), recent, ...(target ? { target } : {}) });
  }

  /** Resolves once the server is up (at once, or after the restart that follows a crash). */
  async up(): Promise<void> {
    while (!this.server.alive && !this.stopped) {
      if (this.restarting) await this.restarting;
      else await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Restarts the server after a crash; concurrent callers share the one restart. */
  restart(after: () => void): Promise<void> {
    this.restarting ??= this.server
      .restart()
      .then(after)
      .finally(() => (this.restarting = undefined));
    return this.restarting;
  }
}

/** Bytes as JSON, for failure files: `{ $bytes: base64 }`. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
      return v;
    },
    1,
  );
}

/** The reverse of {@link toJson}. */
export function fromJson(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { $bytes?: unknown }).$bytes === 'string'
    )
      return new Uint8Array(Buffer.from((v as { $bytes: string }).$bytes, 'base64'));
    return v;
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
