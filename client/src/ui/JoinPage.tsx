import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { DEFAULT_GROUP_THRESHOLD, MAX_DISPLAY_NAME_LENGTH } from '@pajataulu/shared';
import { ApiError, boardInfo, joinBoard, type BoardInfo } from '../api.js';
import { navigate } from '../routes.js';
import { savedSession, saveSession } from '../saved.js';
import { SiteHeader } from './SiteHeader.js';

export function JoinPage({ code }: { code: string }) {
  const { t } = useTranslation();
  const [info, setInfo] = useState<BoardInfo>();
  const [error, setError] = useState<string>();
  const [name, setName] = useState('');
  const [group, setGroup] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    // Someone who joined before goes straight back to the board.
    if (savedSession(code)) {
      navigate(`/b/${code}`);
      return;
    }
    boardInfo(code).then(setInfo, (err: unknown) =>
      setError(t(`errors.${err instanceof ApiError ? err.code : 'internal'}`)),
    );
  }, [code, t]);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const joined = await joinBoard(code, {
        ...(info?.mode === 'named' && name.trim() ? { name: name.trim() } : {}),
        group,
      });
      saveSession(code, joined);
      navigate(`/b/${code}`);
    } catch (err) {
      setError(t(`errors.${err instanceof ApiError ? err.code : 'internal'}`));
      setBusy(false);
    }
  }

  return (
    <div className="landing">
      <SiteHeader />
      <main className="page narrow">
        {!info && !error && <p aria-live="polite">{t('join.loading')}</p>}
        {error && !info && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {info && (
          <form className="card" onSubmit={onSubmit}>
            <h1>{t('join.title', { title: info.title })}</h1>
            <p className="notice">
              {info.mode === 'named' ? t('join.named') : t('join.anonymous')}
            </p>
            <details className="who-sees" data-testid="who-sees">
              <summary>{t('join.whoSeesTitle')}</summary>
              <ul>
                {info.groups.length > 0 && (
                  <li>{t('join.whoSeesGroup', { count: DEFAULT_GROUP_THRESHOLD })}</li>
                )}
                <li>{t('join.whoSeesTime')}</li>
                <li>{t('join.whoSeesEdits')}</li>
                <li>{t('join.whoSeesPersonal')}</li>
              </ul>
            </details>
            {info.mode === 'named' && (
              <>
                <label htmlFor="join-name">{t('join.name')}</label>
                <input
                  id="join-name"
                  data-testid="join-name"
                  value={name}
                  maxLength={MAX_DISPLAY_NAME_LENGTH}
                  onChange={(e) => setName(e.target.value)}
                  autoComplete="name"
                />
              </>
            )}
            {info.groups.length > 0 && (
              <fieldset>
                <legend>{t('join.group')}</legend>
                <p className="muted small">
                  {t('join.groupHint', { count: DEFAULT_GROUP_THRESHOLD })}
                </p>
                {info.groups.map((g) => (
                  <label className="radio" key={g.id}>
                    <input
                      type="radio"
                      name="group"
                      data-testid={`join-group-${g.id}`}
                      checked={group === g.id}
                      onChange={() => setGroup(g.id)}
                    />
                    {g.label}
                  </label>
                ))}
                <label className="radio">
                  <input
                    type="radio"
                    name="group"
                    checked={group === null}
                    onChange={() => setGroup(null)}
                  />
                  {t('join.noGroup')}
                </label>
              </fieldset>
            )}
            {error && (
              <p className="error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="primary" data-testid="join-submit" disabled={busy}>
              {busy ? t('join.joining') : t('join.submit')}
            </button>
          </form>
        )}
      </main>
    </div>
  );
}
