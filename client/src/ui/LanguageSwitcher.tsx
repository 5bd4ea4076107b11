import { useTranslation } from 'react-i18next';
import { LOCALES, type Locale } from '@pajataulu/shared';
import { currentLanguage, setLanguage } from '../i18n/index.js';

export function LanguageSwitcher() {
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
          <option key={l} value={l} lang={l}>
            {t(`language.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
