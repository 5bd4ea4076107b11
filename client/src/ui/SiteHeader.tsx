/** The header of the pages around a board: the name and the language switcher. */
import { useTranslation } from 'react-i18next';
import { LanguageSwitcher } from './LanguageSwitcher.js';

export function SiteHeader() {
  const { t } = useTranslation();
  return (
    <header className="site-header">
      <div className="brand">
        <span className="logo" aria-hidden="true" />
        <span>{t('app.name')}</span>
      </div>
      <LanguageSwitcher />
    </header>
  );
}
