/** The keyboard shortcuts, in a dialog opened with "?". */
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

const SHORTCUTS: [string, string][] = [
  ['← ↑ → ↓', 'shortcuts.pan'],
  ['+ / −', 'shortcuts.zoom'],
  ['0', 'shortcuts.fit'],
  ['N', 'shortcuts.newNote'],
  ['L', 'shortcuts.list'],
  ['Ctrl + Z / Ctrl + Shift + Z', 'shortcuts.undo'],
  ['Shift + click', 'shortcuts.select'],
  ['?', 'shortcuts.help'],
];

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
          {SHORTCUTS.map(([keys, label]) => (
            <div key={label} className="shortcut">
              <dt>
                <kbd>{keys}</kbd>
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
