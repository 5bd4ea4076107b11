/** Handlers of the timer commands, and the timer's end, which the server runs when it arrives. */
import type * as Y from 'yjs';
import { metaMap, promptsMap, readMeta, type TimerState } from '../board.js';
import type { CommandOf } from '../commands.js';
import { MAX_TIMER_MS } from '../limits.js';
import { ErrorCode } from '../protocol.js';
import { reveal } from './board-doc.js';
import { refreshWaiting } from './derive.js';
import { defineHandler, plan, refuse, type Checked, type WriteContext } from './handler.js';

type TimerOf =
  | CommandOf<'timer.set'>
  | CommandOf<'timer.start'>
  | CommandOf<'timer.pause'>
  | CommandOf<'timer.stop'>
  | CommandOf<'timer.addTime'>;

/** The timer after a command, or undefined when the command leaves it as it is. */
function nextTimer(t: TimerState, c: TimerOf, now: number): Checked<TimerState | undefined> {
  switch (c.type) {
    case 'timer.set':
      return plan({
        state: 'idle',
        durationMs: c.durationMs,
        endsAt: 0,
        remainingMs: c.durationMs,
        onEnd: c.onEnd ?? t.onEnd,
        sound: c.sound ?? t.sound,
      });
    case 'timer.start':
      if (t.state === 'running') return plan(undefined);
      if (t.remainingMs <= 0) return refuse(ErrorCode.InvalidCommand, 'set the timer first');
      return plan({ ...t, state: 'running', endsAt: now + t.remainingMs });
    case 'timer.pause':
      if (t.state !== 'running') return plan(undefined);
      return plan({ ...t, state: 'paused', remainingMs: Math.max(0, t.endsAt - now), endsAt: 0 });
    case 'timer.stop':
      return plan({ ...t, state: 'idle', endsAt: 0, remainingMs: t.durationMs });
    case 'timer.addTime':
      if (t.state === 'running') {
        const endsAt = Math.max(now, Math.min(now + MAX_TIMER_MS, t.endsAt + c.ms));
        return plan({ ...t, endsAt });
      } else {
        const remaining = Math.max(0, Math.min(MAX_TIMER_MS, t.remainingMs + c.ms));
        return plan({
          ...t,
          remainingMs: remaining,
          state: t.state === 'ended' ? 'paused' : t.state,
        });
      }
  }
}

function timerHandler<K extends TimerOf['type']>(type: K) {
  return defineHandler(type, {
    check: (doc, c, ctx) => nextTimer(readMeta(doc).timer, c as TimerOf, ctx.now),
    apply(doc, next) {
      if (next) metaMap(doc).set('timer', next);
    },
  });
}

export const timerSet = timerHandler('timer.set');
export const timerStart = timerHandler('timer.start');
export const timerPause = timerHandler('timer.pause');
export const timerStop = timerHandler('timer.stop');
export const timerAddTime = timerHandler('timer.addTime');

/**
 * Ends a running timer whose time is up, and does what it was set to do at the end. Returns
 * whether anything changed. The server calls it when the timer's end arrives.
 */
export function expireTimer(doc: Y.Doc, ctx: Omit<WriteContext, 'grant'>): boolean {
  const t = readMeta(doc).timer;
  if (t.state !== 'running' || t.endsAt > ctx.now) return false;
  metaMap(doc).set('timer', { ...t, state: 'ended', endsAt: 0, remainingMs: 0 });
  if (t.onEnd === 'lock') metaMap(doc).set('locked', true);
  if (t.onEnd === 'reveal') {
    metaMap(doc).set('privateWriting', false);
    promptsMap(doc).forEach((p) => {
      if (p.get('privateWriting') === true) p.set('privateWriting', false);
    });
    reveal(doc, { ...ctx, grant: 'always' }, undefined);
    refreshWaiting(doc, ctx.view);
  }
  return true;
}
