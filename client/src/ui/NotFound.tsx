import { useTranslation } from 'react-i18next';
import { navigate } from '../routes.js';

export function NotFound() {
  const { t } = useTranslation();
  return (
    <main className="page narrow">
      <h1>{t('notFound.title')}</h1>
      <button className="primary" onClick={() => navigate('/')}>
        {t('notFound.home')}
      </button>
    </main>
  );
}
