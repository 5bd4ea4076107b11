/** The results of a voting round: notes sorted by their dots, the top ones first. */
import { useTranslation } from 'react-i18next';
import type { VoteRound } from '@pajataulu/shared';
import type { ViewNote } from '../board/overlay.js';

/** Rows shown at most. */
const RESULT_ROWS = 10;

export function ResultsList({
  round,
  notes,
  large,
}: {
  round: VoteRound;
  notes: readonly ViewNote[];
  large?: boolean;
}) {
  const { t } = useTranslation();
  const ranked = notes
    .map((n) => ({ n, votes: n.votes[round.id] ?? 0 }))
    .filter((r) => r.votes > 0)
    .sort((a, b) => b.votes - a.votes || a.n.createdAt - b.n.createdAt)
    .slice(0, RESULT_ROWS);
  return (
    <section
      className={`results${large ? ' large' : ''}`}
      aria-labelledby={`results-${round.id}`}
      data-testid="results"
    >
      <h3 id={`results-${round.id}`}>{round.label || t('vote.results')}</h3>
      <ol>
        {ranked.map(({ n, votes }) => (
          <li key={n.id}>
            <span className="result-votes" aria-label={t('vote.total', { count: votes })}>
              {votes}
            </span>
            <span className="result-text">{n.text}</span>
            {n.editedByFacilitator && (
              <span className="small edited-mark" title={t('board.editedByFacilitatorLong')}>
                {' '}
                {t('board.editedByFacilitator')}
              </span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
