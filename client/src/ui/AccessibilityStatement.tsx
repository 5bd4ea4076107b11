/** The accessibility statement (saavutettavuusseloste) that Finnish law asks of public services. */
import { useTranslation } from 'react-i18next';
import { navigate } from '../routes.js';
import { SiteHeader } from './SiteHeader.js';

export function AccessibilityStatement() {
  const { t } = useTranslation();
  return (
    <div className="landing">
      <SiteHeader />
      <main className="page narrow statement">
        <h1>{t('a11y.title')}</h1>
        <p>{t('a11y.intro')}</p>
        <h2>{t('a11y.stateTitle')}</h2>
        <p>{t('a11y.state')}</p>
        <h2>{t('a11y.gapsTitle')}</h2>
        <p>{t('a11y.gaps')}</p>
        <h2>{t('a11y.feedbackTitle')}</h2>
        <p>{t('a11y.feedback')}</p>
        <button type="button" className="primary" onClick={() => navigate('/')}>
          {t('a11y.back')}
        </button>
      </main>
    </div>
  );
}
