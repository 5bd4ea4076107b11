import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { MAX_PROMPT_TITLE_LENGTH, type Prompt } from '@pajataulu/shared';

/** A facilitator's tools for one prompt: rename, lock, private writing, reveal, delete. */
export function PromptEditor(props: {
  prompt: Prompt;
  onSave: (title: string) => void;
  onToggleLock: () => void;
  onTogglePrivate: () => void;
  onReveal: () => void;
  onFocus: () => void;
  onDelete: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { prompt: p } = props;
  const [title, setTitle] = useState(p.title);
  return (
    <div className="prompt-editor" role="dialog" aria-label={t('editor.promptTitle')}>
      <label htmlFor="prompt-title">{t('editor.promptTitle')}</label>
      <input
        id="prompt-title"
        data-testid="prompt-title"
        autoFocus
        value={title}
        maxLength={MAX_PROMPT_TITLE_LENGTH}
        onChange={(e) => setTitle(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') props.onSave(title);
          if (e.key === 'Escape') props.onClose();
        }}
      />
      <label className="check">
        <input type="checkbox" checked={p.privateWriting} onChange={props.onTogglePrivate} />
        {t('facilitator.promptPrivate')}
      </label>
      <label className="check">
        <input type="checkbox" checked={p.locked} onChange={props.onToggleLock} />
        {t('facilitator.lockPrompt')}
      </label>
      <div className="editor-row buttons">
        {p.waiting > 0 && (
          <button type="button" onClick={props.onReveal}>
            {t('facilitator.reveal')} ({p.waiting})
          </button>
        )}
        <button type="button" onClick={props.onFocus}>
          {t('follow.focus')}
        </button>
        <button type="button" className="danger" onClick={props.onDelete}>
          {t('facilitator.deletePrompt')}
        </button>
        <span className="spacer" />
        <button type="button" onClick={props.onClose}>
          {t('editor.cancel')}
        </button>
        <button
          type="button"
          className="primary"
          data-testid="prompt-save"
          onClick={() => props.onSave(title)}
        >
          {t('editor.save')}
        </button>
      </div>
    </div>
  );
}
