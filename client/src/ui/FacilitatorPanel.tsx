import { useTranslation } from 'react-i18next';
import { formatJoinCode, type BoardMeta } from '@pajataulu/shared';
import { CopyField } from './CopyField.js';

/** The facilitator's board-wide tools, in a side panel. */
export function FacilitatorPanel(props: {
  meta: BoardMeta;
  code: string;
  facilitatorKey: string;
  /** Known only in the browser that created the board (the server keeps no copy of it). */
  projectorKey: string | undefined;
  waiting: number;
  onTogglePrivate: () => void;
  onReveal: () => void;
  onToggleLock: () => void;
  onRotateKey: () => void;
  onClose: () => void;
  /** The session controls (timer, voting, follow-me, templates). */
  children?: React.ReactNode;
}) {
  const { t } = useTranslation();
  const origin = location.origin;
  const { meta } = props;
  return (
    <aside
      className="side-panel"
      aria-label={t('facilitator.panel')}
      data-testid="facilitator-panel"
    >
      <div className="panel-head">
        <h2>{t('facilitator.panel')}</h2>
        <button type="button" onClick={props.onClose} aria-label={t('board.close')}>
          ✕
        </button>
      </div>
      <section>
        <h3>{t('board.share')}</h3>
        <p className="big-code small-big">{formatJoinCode(props.code)}</p>
        <CopyField
          label={t('landing.linkParticipant')}
          value={`${origin}/j/${props.code}`}
          testId="share-participant"
        />
        {props.projectorKey ? (
          <CopyField
            label={t('landing.linkProjector')}
            value={`${origin}/p/${props.code}#key=${props.projectorKey}`}
            testId="share-projector"
          />
        ) : (
          <p className="muted small">{t('facilitator.projectorUnknown')}</p>
        )}
        <CopyField
          label={t('landing.linkFacilitator')}
          value={`${origin}/f/${props.code}#key=${props.facilitatorKey}`}
          testId="share-facilitator"
        />
      </section>
      <section>
        <h3>{t('facilitator.privateWriting')}</h3>
        <button
          type="button"
          className={meta.privateWriting ? 'primary' : ''}
          data-testid="toggle-private"
          onClick={props.onTogglePrivate}
        >
          {meta.privateWriting ? t('facilitator.privateOff') : t('facilitator.privateOn')}
        </button>
        {props.waiting > 0 && (
          <>
            <p className="muted" data-testid="waiting-count">
              {t('board.waiting', { count: props.waiting })}
            </p>
            <button type="button" className="primary" data-testid="reveal" onClick={props.onReveal}>
              {t('facilitator.reveal')}
            </button>
          </>
        )}
      </section>
      {props.children}
      <section>
        <button type="button" data-testid="toggle-lock" onClick={props.onToggleLock}>
          {meta.locked ? t('facilitator.unlock') : t('facilitator.lock')}
        </button>
      </section>
      {meta.groups.length > 0 && (
        <section>
          <h3>{t('facilitator.groups')}</h3>
          <ul className="plain">
            {meta.groups.map((g) => (
              <li key={g.id}>
                {g.label}:{' '}
                {meta.groupCounts[g.id] ??
                  t('facilitator.groupHidden', { count: meta.groupThreshold })}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section>
        <button type="button" className="danger" onClick={props.onRotateKey}>
          {t('facilitator.rotateKey')}
        </button>
      </section>
    </aside>
  );
}
