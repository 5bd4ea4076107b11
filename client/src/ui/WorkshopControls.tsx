/** The facilitator's controls for running the session: timer, dot voting, follow-me, templates. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  MAX_DOTS_PER_ROUND,
  TEMPLATE_IDS,
  TIMER_END_ACTIONS,
  type BoardMeta,
  type TemplateKind,
  type TimerEndAction,
  type VoteRound,
} from '@pajataulu/shared';

/** Timer lengths offered by default, in minutes. */
const DEFAULT_TIMER_MINUTES = 5;

export interface WorkshopActions {
  setTimer: (minutes: number, onEnd: TimerEndAction, sound: boolean) => void;
  startTimer: () => void;
  pauseTimer: () => void;
  addMinute: () => void;
  stopTimer: () => void;
  startVote: (dots: number, maxPerNote: number, showTotals: boolean) => void;
  endVote: (roundId: string) => void;
  bringEveryone: () => void;
  releaseEveryone: () => void;
  insertTemplate: (kind: TemplateKind) => void;
}

export function WorkshopControls({
  meta,
  openRound,
  actions,
}: {
  meta: BoardMeta;
  openRound: VoteRound | undefined;
  actions: WorkshopActions;
}) {
  const { t } = useTranslation();
  const [minutes, setMinutes] = useState(DEFAULT_TIMER_MINUTES);
  const [onEnd, setOnEnd] = useState<TimerEndAction>('none');
  const [sound, setSound] = useState(true);
  const [dots, setDots] = useState(3);
  const [maxPerNote, setMaxPerNote] = useState(1);
  const [showTotals, setShowTotals] = useState(false);
  const [template, setTemplate] = useState<TemplateKind>('retro');
  const timer = meta.timer;
  return (
    <>
      <section>
        <h3>{t('timer.title')}</h3>
        <div className="row-inputs">
          <label htmlFor="timer-minutes">{t('timer.minutes')}</label>
          <input
            id="timer-minutes"
            data-testid="timer-minutes"
            type="number"
            min={1}
            max={240}
            value={minutes}
            onChange={(e) => setMinutes(Number(e.target.value))}
          />
        </div>
        <label htmlFor="timer-end">{t('timer.onEnd')}</label>
        <select
          id="timer-end"
          value={onEnd}
          onChange={(e) => setOnEnd(e.target.value as TimerEndAction)}
        >
          {TIMER_END_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {t(`timer.end_${a}`)}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={sound} onChange={(e) => setSound(e.target.checked)} />
          {t('timer.sound')}
        </label>
        <div className="button-grid">
          <button
            type="button"
            data-testid="timer-set"
            onClick={() => actions.setTimer(minutes, onEnd, sound)}
          >
            {t('timer.set')}
          </button>
          {timer.state === 'running' ? (
            <button type="button" onClick={actions.pauseTimer}>
              {t('timer.pause')}
            </button>
          ) : (
            <button
              type="button"
              className="primary"
              data-testid="timer-start"
              disabled={timer.remainingMs <= 0}
              onClick={actions.startTimer}
            >
              {t('timer.start')}
            </button>
          )}
          <button type="button" onClick={actions.addMinute}>
            {t('timer.addMinute')}
          </button>
          <button type="button" onClick={actions.stopTimer}>
            {t('timer.stop')}
          </button>
        </div>
      </section>
      <section>
        <h3>{t('vote.title')}</h3>
        {openRound ? (
          <>
            <p className="muted">{t('vote.running', { dots: openRound.dots })}</p>
            <button
              type="button"
              className="primary"
              data-testid="vote-end"
              onClick={() => actions.endVote(openRound.id)}
            >
              {t('vote.end')}
            </button>
          </>
        ) : (
          <>
            <div className="row-inputs">
              <label htmlFor="vote-dots">{t('vote.dots')}</label>
              <input
                id="vote-dots"
                data-testid="vote-dots"
                type="number"
                min={1}
                max={MAX_DOTS_PER_ROUND}
                value={dots}
                onChange={(e) => setDots(Number(e.target.value))}
              />
            </div>
            <div className="row-inputs">
              <label htmlFor="vote-max">{t('vote.maxPerNote')}</label>
              <input
                id="vote-max"
                type="number"
                min={1}
                max={dots}
                value={maxPerNote}
                onChange={(e) => setMaxPerNote(Number(e.target.value))}
              />
            </div>
            <label className="check">
              <input
                type="checkbox"
                checked={showTotals}
                onChange={(e) => setShowTotals(e.target.checked)}
              />
              {t('vote.showTotals')}
            </label>
            <button
              type="button"
              className="primary"
              data-testid="vote-start"
              onClick={() => actions.startVote(dots, Math.min(maxPerNote, dots), showTotals)}
            >
              {t('vote.start')}
            </button>
          </>
        )}
      </section>
      <section>
        <h3>{t('follow.title')}</h3>
        <button type="button" data-testid="bring-everyone" onClick={actions.bringEveryone}>
          {t('follow.bring')}
        </button>
        {meta.follow.mode !== 'off' && (
          <button type="button" onClick={actions.releaseEveryone}>
            {t('follow.release')}
          </button>
        )}
      </section>
      <section>
        <h3>{t('templates.insert')}</h3>
        <select
          aria-label={t('landing.template')}
          value={template}
          onChange={(e) => setTemplate(e.target.value as TemplateKind)}
        >
          {TEMPLATE_IDS.filter((k) => k !== 'blank' && !(k === 'wheel' && meta.wheel)).map((k) => (
            <option key={k} value={k}>
              {t(`templates.${k}`)}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => actions.insertTemplate(template)}>
          {t('templates.insertButton')}
        </button>
      </section>
    </>
  );
}
