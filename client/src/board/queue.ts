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

/** A queue store in `localStorage` under `key`. */
export function localQueueStore(key: string): QueueStore {
  return {
    load() {
      try {
        const raw = localStorage.getItem(key);
        const parsed: unknown = raw ? JSON.parse(raw) : [];
        return Array.isArray(parsed)
          ? (parsed as PendingCommand[]).filter((p) => typeof p?.id === 'string')
          : [];
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

export class CommandQueue {
  private items: PendingCommand[];

  constructor(private readonly store: QueueStore) {
    this.items = store.load();
  }

  /** Commands waiting for an acknowledgement, oldest first. */
  get pending(): readonly PendingCommand[] {
    return this.items;
  }

  add(item: PendingCommand): void {
    this.items = [...this.items, item];
    this.store.save(this.items);
  }

  /** Drops a command once it is acknowledged (or refused for good). */
  remove(id: string): PendingCommand | undefined {
    const found = this.items.find((i) => i.id === id);
    if (!found) return undefined;
    this.items = this.items.filter((i) => i.id !== id);
    this.store.save(this.items);
    return found;
  }

  has(id: string): boolean {
    return this.items.some((i) => i.id === id);
  }
}
