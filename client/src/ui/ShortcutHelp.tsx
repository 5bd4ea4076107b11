/** The keyboard shortcuts (the table in board/shortcuts.ts), in a dialog opened with "?". */
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { SHORTCUT_HELP } from '../board/shortcuts.js';

export function ShortcutHelp({
  onClose,
  highContrast,
  onToggleContrast,
}: {
  onClose: () => void;
  highContrast: boolean;
  onToggleContrast: () => void;
}) {
  const { t } = useTranslation();
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div
        className="help-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="help-title"
        data-testid="shortcut-help"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h2 id="help-title">{t('shortcuts.title')}</h2>
        <dl>
          {SHORTCUT_HELP.map(({ shows, label }) => (
            <div key={label} className="shortcut">
              <dt>
                <kbd>{shows}</kbd>
              </dt>
              <dd>{t(label)}</dd>
            </div>
          ))}
        </dl>
        <label className="check">
          <input
            type="checkbox"
            checked={highContrast}
            onChange={onToggleContrast}
            data-testid="high-contrast"
          />
          {t('board.highContrast')}
        </label>
        <button ref={close} type="button" className="primary" onClick={onClose}>
          {t('board.close')}
        </button>
      </div>
    </div>
  );
}
