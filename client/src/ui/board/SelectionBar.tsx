/** A facilitator's picked notes: recolour them, group them under a label, or clear the pick. */
import { useTranslation } from 'react-i18next';
import {
  MAX_LABEL_LENGTH,
  NOTE_COLORS,
  notesUpdateCommands,
  type NoteColor,
} from '@pajataulu/shared';
import { NOTE_FILL } from '../colors.js';
import { useBoard, useBoardStore } from './use-board.js';

export function SelectionBar() {
  const { t } = useTranslation();
  const store = useBoardStore();
  const { selected, clusterLabel } = useBoard();
  return (
    <div
      className="selection-bar"
      role="toolbar"
      aria-label={t('cluster.selected', { count: selected.size })}
      data-testid="selection-bar"
    >
      <span>{t('cluster.selected', { count: selected.size })}</span>
      <div className="swatches" role="group" aria-label={t('cluster.colour')}>
        {NOTE_COLORS.map((c: NoteColor) => (
          <button
            key={c}
            type="button"
            className="swatch"
            aria-label={t(`colors.${c}`)}
            style={{ background: NOTE_FILL[c] }}
            onClick={() => {
              for (const cmd of notesUpdateCommands([...selected], c)) store.act(cmd);
            }}
          />
        ))}
      </div>
      <input
        aria-label={t('cluster.label')}
        placeholder={t('cluster.label')}
        data-testid="cluster-label"
        value={clusterLabel}
        maxLength={MAX_LABEL_LENGTH}
        onChange={(e) => store.setClusterLabel(e.target.value)}
      />
      <button
        type="button"
        className="primary"
        data-testid="cluster-add"
        disabled={clusterLabel.trim() === ''}
        onClick={store.clusterSelected}
      >
        {t('cluster.group')}
      </button>
      <button type="button" onClick={store.clearSelection}>
        {t('cluster.clear')}
      </button>
    </div>
  );
}
