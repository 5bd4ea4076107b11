import { useTranslation } from 'react-i18next';
import { LOCALES, type Locale } from '@pajataulu/shared';
import { currentLanguage, setLanguage } from '../i18n/index.js';

/**
 * Picks the interface language (remembered in this browser). `short` shows FI / SV / EN, for the
 * board's top bar where every pixel counts; the select is still named for what it is.
 */
export function LanguageSwitcher({ short = false }: { short?: boolean }) {
  const { t } = useTranslation();
  return (
    <label className="lang">
      <span className="visually-hidden">{t('language.label')}</span>
      <select
        aria-label={t('language.label')}
        value={currentLanguage()}
        onChange={(e) => setLanguage(e.target.value as Locale)}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l} label={short ? l.toUpperCase() : undefined}>
            {t(`language.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
