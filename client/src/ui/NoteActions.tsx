/**
 * What one can do with someone's note without editing it: react, and vote while a round is open.
 * Opens on a single click or tap; keyboard reachable.
 */
import { useTranslation } from 'react-i18next';
import { REACTIONS, type Reaction, type VoteRound } from '@pajataulu/shared';
import type { ViewNote } from '../board/overlay.js';

export const REACTION_EMOJI: Record<Reaction, string> = {
  heart: '❤️',
  clap: '👏',
  idea: '💡',
  agree: '👍',
};

export function NoteActions(props: {
  note: ViewNote;
  round: VoteRound | undefined;
  myDotsHere: number;
  /** The reactions this user gave the note. */
  mine?: readonly Reaction[] | undefined;
  dotsLeft: number;
  canVote: boolean;
  canReact: boolean;
  canEdit: boolean;
  onVote: (delta: 1 | -1) => void;
  onReact: (r: Reaction) => void;
  onEdit: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { round } = props;
  return (
    <div
      className="note-actions"
      role="dialog"
      aria-label={t('actions.label')}
      onKeyDown={(e) => e.key === 'Escape' && props.onClose()}
    >
      <p className="note-preview">{props.note.text || '—'}</p>
      {round && props.canVote && (
        <div className="editor-row">
          <span>{t('vote.dotsLeft', { count: props.dotsLeft })}</span>
          <span className="spacer" />
          <button
            type="button"
            data-testid="vote-remove"
            disabled={props.myDotsHere === 0}
            onClick={() => props.onVote(-1)}
            aria-label={t('vote.remove')}
          >
            −
          </button>
          <span className="dots" aria-label={t('vote.mine', { count: props.myDotsHere })}>
            {'●'.repeat(props.myDotsHere) || '○'}
          </span>
          <button
            type="button"
            className="primary"
            data-testid="vote-add"
            disabled={props.dotsLeft === 0 || props.myDotsHere >= round.maxPerNote}
            onClick={() => props.onVote(1)}
            aria-label={t('vote.add')}
          >
            +
          </button>
        </div>
      )}
      {props.canReact && (
        <div className="editor-row reactions" role="group" aria-label={t('actions.react')}>
          {REACTIONS.map((r) => (
            <button
              key={r}
              type="button"
              onClick={() => props.onReact(r)}
              aria-label={t(`reactions.${r}`)}
              aria-pressed={props.mine?.includes(r) ?? false}
              data-testid={`react-${r}`}
            >
              {REACTION_EMOJI[r]} {props.note.reactions[r] ?? 0}
            </button>
          ))}
        </div>
      )}
      <div className="editor-row buttons">
        {props.canEdit && (
          <button type="button" onClick={props.onEdit}>
            {t('actions.edit')}
          </button>
        )}
        <span className="spacer" />
        <button type="button" onClick={props.onClose} data-testid="actions-close">
          {t('board.close')}
        </button>
      </div>
    </div>
  );
}
