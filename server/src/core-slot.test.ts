import { describe, expect, it } from 'vitest';
import { CoreSlot } from './core-slot.js';

const aborted = () => new Error('aborted');

describe('the core slot imports and exports share', () => {
  it('runs one holder at a time, in the order they asked', async () => {
    const slot = new CoreSlot(1);
    const order: string[] = [];
    const first = await slot.acquire(undefined, aborted);
    const second = slot.acquire(undefined, aborted).then((r) => (order.push('second'), r));
    const third = slot.acquire(undefined, aborted).then((r) => (order.push('third'), r));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    // Released twice changes nothing: the slot is free exactly once.
    first();
    const again = await slot.acquire(undefined, aborted);
    let fourth = false;
    void slot.acquire(undefined, aborted).then(() => (fourth = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(fourth).toBe(false);
    again();
  });

  it('a waiter that is aborted leaves the queue and never gets the slot', async () => {
    const slot = new CoreSlot(1);
    const held = await slot.acquire(undefined, aborted);
    const gone = new AbortController();
    const waiting = slot.acquire(gone.signal, aborted);
    const next = slot.acquire(undefined, aborted);
    gone.abort();
    await expect(waiting).rejects.toThrow('aborted');
    held();
    const release = await next;
    release();
    await expect(slot.acquire(gone.signal, aborted)).rejects.toThrow('aborted');
  });
});
