/** The tools over the canvas: add a note or a prompt, zoom, undo and redo, go to one's group. */
import { useTranslation } from 'react-i18next';
import { canEver } from '@pajataulu/shared';
import { useBoard, useBoardStore } from './use-board.js';

export function CanvasToolbar() {
  const { t } = useTranslation();
  const store = useBoardStore();
  const s = useBoard();
  const { board, station } = s.connection;
  const { role, facilitator, projector } = store;
  const myStation = station ? board.prompts.find((p) => p.id === station) : undefined;
  return (
    <div className="toolbar" role="toolbar" aria-label={t('board.canvas')}>
      {canEver(role, 'note.add') && (
        <button
          type="button"
          className="primary"
          data-testid="add-note"
          onClick={store.addNoteInView}
          disabled={board.meta.locked && !facilitator}
        >
          + {t('board.addNote')}
        </button>
      )}
      {facilitator && (
        <button
          type="button"
          data-testid="add-prompt"
          onClick={() => store.addPrompt(t('board.newPrompt'))}
        >
          + {t('board.addPrompt')}
        </button>
      )}
      <div className="zoom-group" role="group" aria-label={t('board.zoom')}>
        <IconButton testId="zoom-out" label={t('board.zoomOut')} onClick={store.zoomOut}>
          −
        </IconButton>
        <IconButton testId="zoom-in" label={t('board.zoomIn')} onClick={store.zoomIn}>
          +
        </IconButton>
        <IconButton testId="zoom-fit" label={t('board.zoomFit')} onClick={store.fitView}>
          ⤢
        </IconButton>
      </div>
      {!projector && (
        <div className="history-group" role="group" aria-label={t('history.undo')}>
          <IconButton
            testId="undo"
            label={t('history.undo')}
            disabled={!s.canUndo}
            onClick={store.undo}
          >
            ↶
          </IconButton>
          <IconButton
            testId="redo"
            label={t('history.redo')}
            disabled={!s.canRedo}
            onClick={store.redo}
          >
            ↷
          </IconButton>
        </div>
      )}
      {myStation && (
        <button
          type="button"
          data-testid="go-to-group"
          onClick={() => store.look(myStation, 24, 2)}
        >
          {t('board.goToGroup')}
        </button>
      )}
    </div>
  );
}

/** A button that shows a symbol and is named for screen readers by `label`. */
function IconButton(props: {
  testId: string;
  label: string;
  disabled?: boolean;
  onClick: () => void;
  children: string;
}) {
  return (
    <button
      type="button"
      data-testid={props.testId}
      aria-label={props.label}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}
