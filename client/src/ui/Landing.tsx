import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  DEFAULT_STATIONS,
  formatJoinCode,
  MAX_BOARD_TITLE_LENGTH,
  MAX_STATIONS,
  MIN_STATIONS,
  normalizeJoinCode,
  TEMPLATE_IDS,
  type BoardMode,
  type TemplateKind,
} from '@pajataulu/shared';
import { ApiError, createBoard, type CreatedBoard } from '../api.js';
import { currentLanguage } from '../i18n/index.js';
import { navigate } from '../routes.js';
import { saveFacilitatorKey, saveProjectorKey } from '../saved.js';
import { CopyField } from './CopyField.js';
import { SiteHeader } from './SiteHeader.js';

export function Landing() {
  const { t } = useTranslation();
  const [title, setTitle] = useState('');
  const [template, setTemplate] = useState<TemplateKind>('blank');
  const [stations, setStations] = useState(DEFAULT_STATIONS);
  const [mode, setMode] = useState<BoardMode>('anonymous');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [created, setCreated] = useState<CreatedBoard>();
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string>();

  async function onCreate(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const board = await createBoard({
        title,
        template,
        mode,
        locale: currentLanguage(),
        ...(template === 'stations' ? { stations } : {}),
      });
      saveFacilitatorKey(board.code, board.facilitatorKey);
      saveProjectorKey(board.code, board.projectorKey);
      setCreated(board);
    } catch (err) {
      setError(t(`errors.${err instanceof ApiError ? err.code : 'internal'}`));
    } finally {
      setBusy(false);
    }
  }

  function onJoin(e: FormEvent) {
    e.preventDefault();
    const c = normalizeJoinCode(code);
    if (!c) {
      setCodeError(t('landing.badCode'));
      return;
    }
    navigate(`/j/${c}`);
  }

  return (
    <div className="landing">
      <SiteHeader />
      <main className="page">
        <p className="tagline">{t('app.tagline')}</p>
        <div className="cards">
          <section className="card" aria-labelledby="join-heading">
            <h2 id="join-heading">{t('landing.joinTitle')}</h2>
            <form onSubmit={onJoin} noValidate>
              <label htmlFor="join-code">{t('landing.joinCode')}</label>
              <input
                id="join-code"
                data-testid="join-code-input"
                className="code-input"
                value={code}
                onChange={(e) => {
                  setCode(e.target.value);
                  setCodeError(undefined);
                }}
                placeholder={t('landing.joinCodePlaceholder')}
                autoComplete="off"
                autoCapitalize="characters"
                spellCheck={false}
                inputMode="text"
                aria-invalid={codeError ? true : undefined}
                aria-describedby={codeError ? 'join-code-error' : undefined}
              />
              {codeError && (
                <p id="join-code-error" className="error" role="alert">
                  {codeError}
                </p>
              )}
              <button type="submit" className="primary" data-testid="join-go">
                {t('landing.join')}
              </button>
            </form>
          </section>

          <section className="card" aria-labelledby="create-heading">
            <h2 id="create-heading">{t('landing.createTitle')}</h2>
            {created ? (
              <div className="created" aria-live="polite">
                <h3>{t('landing.created')}</h3>
                <p className="muted">{t('landing.codeHint')}</p>
                <p className="join-host">{new URL(created.links.participant).host}</p>
                <p className="big-code" data-testid="join-code">
                  {formatJoinCode(created.code)}
                </p>
                <CopyField
                  label={t('landing.linkParticipant')}
                  value={created.links.participant}
                  testId="link-participant"
                />
                <CopyField
                  label={t('landing.linkFacilitator')}
                  value={created.links.facilitator}
                  testId="link-facilitator"
                />
                <CopyField
                  label={t('landing.linkProjector')}
                  value={created.links.projector}
                  testId="link-projector"
                />
                <button
                  className="primary"
                  data-testid="open-facilitator"
                  onClick={() => navigate(`/f/${created.code}#key=${created.facilitatorKey}`)}
                >
                  {t('landing.openFacilitator')}
                </button>
              </div>
            ) : (
              <form onSubmit={onCreate}>
                <label htmlFor="board-title">{t('landing.boardTitle')}</label>
                <input
                  id="board-title"
                  data-testid="create-title"
                  value={title}
                  maxLength={MAX_BOARD_TITLE_LENGTH}
                  onChange={(e) => setTitle(e.target.value)}
                  placeholder={t('landing.boardTitlePlaceholder')}
                  required
                />
                <label htmlFor="board-template">{t('landing.template')}</label>
                <select
                  id="board-template"
                  data-testid="create-template"
                  value={template}
                  onChange={(e) => setTemplate(e.target.value as TemplateKind)}
                >
                  {TEMPLATE_IDS.map((id) => (
                    <option key={id} value={id}>
                      {t(`templates.${id}`)}
                    </option>
                  ))}
                </select>
                {template === 'stations' && (
                  <>
                    <label htmlFor="board-stations">{t('landing.stations')}</label>
                    <input
                      id="board-stations"
                      type="number"
                      min={MIN_STATIONS}
                      max={MAX_STATIONS}
                      value={stations}
                      onChange={(e) => setStations(Number(e.target.value))}
                    />
                  </>
                )}
                <fieldset>
                  <legend>{t('landing.mode')}</legend>
                  <label className="radio">
                    <input
                      type="radio"
                      name="mode"
                      checked={mode === 'anonymous'}
                      onChange={() => setMode('anonymous')}
                    />
                    {t('landing.modeAnonymous')}
                  </label>
                  <label className="radio">
                    <input
                      type="radio"
                      name="mode"
                      checked={mode === 'named'}
                      onChange={() => setMode('named')}
                    />
                    {t('landing.modeNamed')}
                  </label>
                </fieldset>
                {error && (
                  <p className="error" role="alert">
                    {error}
                  </p>
                )}
                <button
                  type="submit"
                  className="primary"
                  data-testid="create-submit"
                  disabled={busy || title.trim() === ''}
                >
                  {busy ? t('landing.creating') : t('landing.create')}
                </button>
              </form>
            )}
          </section>
        </div>
      </main>
      <footer className="site-footer">
        <a
          href="/saavutettavuus"
          data-testid="a11y-link"
          onClick={(e) => {
            e.preventDefault();
            navigate('/saavutettavuus');
          }}
        >
          {t('a11y.link')}
        </a>
      </footer>
    </div>
  );
}
