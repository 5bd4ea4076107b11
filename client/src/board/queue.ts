/**
 * The queue of commands not yet acknowledged. Commands keep their id from the moment they are made,
 * so resending after a reconnect can never apply one twice (the server remembers ids). The queue is
 * plain data, persisted per board so a reload does not lose what was typed offline.
 */
import type { CommandInput } from '@pajataulu/shared';

export interface PendingCommand {
  id: string;
  command: CommandInput;
  /** When the command was made (ms). */
  at: number;
}

/** Where a queue keeps itself between page loads. */
export interface QueueStore {
  load(): PendingCommand[];
  save(items: readonly PendingCommand[]): void;
}

/** Keeps nothing (tests, projector). */
export const MEMORY_STORE: QueueStore = { load: () => [], save: () => undefined };

function isPending(v: unknown): v is PendingCommand {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const c = o['command'];
  return (
    typeof o['id'] === 'string' &&
    typeof o['at'] === 'number' &&
    typeof c === 'object' &&
    c !== null &&
    typeof (c as Record<string, unknown>)['type'] === 'string'
  );
}

/** A queue store in `localStorage` under `key`. */
export function localQueueStore(key: string): QueueStore {
  return {
    load() {
      try {
        const raw = localStorage.getItem(key);
        const parsed: unknown = raw ? JSON.parse(raw) : [];
        // Whatever else is stored there (an older version, a hand edit) is dropped, not sent.
        return Array.isArray(parsed) ? parsed.filter(isPending) : [];
      } catch {
        return [];
      }
    },
    save(items) {
      try {
        if (items.length === 0) localStorage.removeItem(key);
        else localStorage.setItem(key, JSON.stringify(items));
      } catch {
        // Storage full or disabled: the queue still lives in memory.
      }
    },
  };
}

/** The note a command acts on, for the commands that act on exactly one note. */
export function noteTarget(c: CommandInput): string | undefined {
  switch (c.type) {
    case 'note.add':
    case 'note.move':
    case 'note.update':
    case 'note.delete':
    case 'note.hide':
    case 'note.unhide':
      return c.id;
    default:
      return undefined;
  }
}

/**
 * Folds `next` into the queue's last command when the two can be sent as one, so that a note
 * written offline and then edited is one change, not two. Only the last command is ever touched,
 * and only when it is not on its way (`sending`), so the order of what the server sees is kept.
 * Returns the new queue, or undefined when `next` must be queued on its own.
 */
export function coalesce(
  items: readonly PendingCommand[],
  next: CommandInput,
  sending: string | undefined,
): PendingCommand[] | undefined {
  const last = items.at(-1);
  if (!last || last.id === sending) return undefined;
  const prev = last.command;
  const target = noteTarget(next);
  if (target === undefined || noteTarget(prev) !== target) return undefined;
  const replace = (command: CommandInput) => [...items.slice(0, -1), { ...last, command }];
  if (prev.type === 'note.add') {
    if (next.type === 'note.update') {
      return replace({
        ...prev,
        ...(next.text !== undefined ? { text: next.text } : {}),
        ...(next.color !== undefined ? { color: next.color } : {}),
      });
    }
    if (next.type === 'note.move') return replace({ ...prev, x: next.x, y: next.y });
    // A note that never reached the server is simply not sent.
    if (next.type === 'note.delete') return items.slice(0, -1);
    return undefined;
  }
  if (prev.type === 'note.move' && next.type === 'note.move') return replace(next);
  if (prev.type === 'note.update' && next.type === 'note.update') {
    return replace({
      ...prev,
      ...(next.text !== undefined ? { text: next.text } : {}),
      ...(next.color !== undefined ? { color: next.color } : {}),
    });
  }
  return undefined;
}

export class CommandQueue {
  private items: PendingCommand[];

  constructor(private readonly store: QueueStore) {
    this.items = store.load();
  }

  /** Commands waiting for an acknowledgement, oldest first. */
  get pending(): readonly PendingCommand[] {
    return this.items;
  }

  /** The oldest command, the one to send next. */
  get head(): PendingCommand | undefined {
    return this.items[0];
  }

  /**
   * Queues a command, folding it into the last one where possible (see {@link coalesce}).
   * Returns the id under which it will be sent, or undefined when nothing is left to send.
   */
  add(item: PendingCommand, sending: string | undefined): string | undefined {
    const folded = coalesce(this.items, item.command, sending);
    if (folded) {
      const changedLast = folded.length === this.items.length;
      this.replace(folded);
      return changedLast ? folded.at(-1)?.id : undefined;
    }
    this.replace([...this.items, item]);
    return item.id;
  }

  /** Drops a command once it is acknowledged (or refused for good). */
  remove(id: string): PendingCommand | undefined {
    const found = this.items.find((i) => i.id === id);
    if (found) this.replace(this.items.filter((i) => i !== found));
    return found;
  }

  /** Drops every command that acts on `noteId`; returns how many were dropped. */
  removeForNote(noteId: string): number {
    const kept = this.items.filter((i) => noteTarget(i.command) !== noteId);
    const dropped = this.items.length - kept.length;
    if (dropped > 0) this.replace(kept);
    return dropped;
  }

  has(id: string): boolean {
    return this.items.some((i) => i.id === id);
  }

  private replace(items: PendingCommand[]): void {
    this.items = items;
    this.store.save(items);
  }
}
