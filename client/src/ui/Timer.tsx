/**
 * The shared countdown, drawn from the board's timer state and the server clock, so every screen
 * shows the same second. Plays a short chime at the end when the facilitator asked for sound.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TimerState } from '@pajataulu/shared';

/** How often the display updates. */
const TICK_MS = 250;

/** Milliseconds left on a timer at server time `now`. */
export function remaining(timer: TimerState, now: number): number {
  if (timer.state === 'running') return Math.max(0, timer.endsAt - now);
  if (timer.state === 'ended') return 0;
  return timer.remainingMs;
}

export function formatClock(ms: number): string {
  const s = Math.ceil(ms / 1000);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

function chime(): void {
  try {
    const ctx = new AudioContext();
    for (const [i, f] of [880, 1175, 1568].entries()) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, ctx.currentTime + i * 0.18);
      g.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + i * 0.18 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + i * 0.18 + 0.5);
      o.connect(g).connect(ctx.destination);
      o.start(ctx.currentTime + i * 0.18);
      o.stop(ctx.currentTime + i * 0.18 + 0.55);
    }
  } catch {
    // No audio here; the display says the time is up anyway.
  }
}

export function TimerDisplay({
  timer,
  serverNow,
  large,
}: {
  timer: TimerState;
  serverNow: () => number;
  large?: boolean;
}) {
  const { t } = useTranslation();
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    if (timer.state !== 'running') return;
    const id = setInterval(() => setNow(serverNow()), TICK_MS);
    return () => clearInterval(id);
  }, [timer.state, serverNow]);
  const previous = useRef(timer.state);
  useEffect(() => {
    if (previous.current === 'running' && timer.state === 'ended' && timer.sound) chime();
    previous.current = timer.state;
  }, [timer.state, timer.sound]);
  if (timer.state === 'idle' && timer.durationMs === 0) return null;
  const left = timer.state === 'running' ? Math.max(0, timer.endsAt - now) : remaining(timer, now);
  const label = timer.state === 'ended' ? t('timer.ended') : formatClock(left);
  return (
    <span
      className={`timer timer-${timer.state}${large ? ' large' : ''}${left < 10_000 && timer.state === 'running' ? ' soon' : ''}`}
      role="timer"
      aria-label={t('timer.label')}
      data-testid="timer"
    >
      {label}
    </span>
  );
}
