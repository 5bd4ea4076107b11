/**
 * Exports for the report, in the facilitator's tools: a picture (PNG, drawn by the server), a
 * print (PDF), the notes as a table (XLSX, CSV) and a backup (JSON). Large pictures show their
 * progress as they download. Also the switch that lets participants save an image themselves.
 */
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  sceneSize,
  EXPORT_SCALES,
  ErrorCode,
  maxExportScale,
  type BoardState,
  type ProtocolError,
} from '@pajataulu/shared';
import { currentLanguage } from '../i18n/index.js';
import { saveBlob } from '../export/picture.js';

const TABLES = ['xlsx', 'csv', 'json'] as const;
type Format = (typeof TABLES)[number] | 'png' | 'pdf';

export function ExportSection({
  boardId,
  code,
  facilitatorKey,
  board,
  onParticipantExport,
}: {
  boardId: string;
  code: string;
  facilitatorKey: string;
  /** The board as shown (its size decides which picture sizes fit). */
  board: BoardState;
  onParticipantExport: (allowed: boolean) => void;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<Format>();
  const [received, setReceived] = useState(0);
  const [failed, setFailed] = useState<string>();
  const [area, setArea] = useState('');
  const [scale, setScale] = useState<number>(1);
  const [paper, setPaper] = useState<'a4' | 'a3'>('a4');
  const [perPrompt, setPerPrompt] = useState(false);
  // The switch shows what was asked for until the board says so too.
  const [asked, setAsked] = useState<{ want: boolean; from: boolean }>();
  const current = board.meta.participantExport;
  const allowed = asked && asked.from === current ? asked.want : current;

  // Only the size: building the whole scene on every change would cost a large board its frames.
  // A prompt deleted while chosen falls back to the whole board.
  const promptId = board.prompts.some((p) => p.id === area) ? area : undefined;
  const scene = useMemo(
    () => sceneSize(board, { locale: currentLanguage(), now: 0, promptId }),
    [board, promptId],
  );
  const maxScale = maxExportScale(scene);

  async function download(format: Format) {
    setBusy(format);
    setFailed(undefined);
    setReceived(0);
    const query = new URLSearchParams({ lang: currentLanguage() });
    if (format === 'png') {
      query.set('scale', String(scale));
      if (promptId) query.set('prompt', promptId);
    }
    if (format === 'pdf') {
      query.set('paper', paper);
      query.set('pages', perPrompt ? 'prompts' : 'board');
    }
    try {
      // The key goes in a header, not in an address that could end up in a log.
      const res = await fetch(`/api/boards/${boardId}/export.${format}?${query}`, {
        headers: { authorization: `Bearer ${facilitatorKey}` },
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: ProtocolError } | null;
        if (body?.error?.code === ErrorCode.ExportTooLarge)
          throw new Error(t('export.tooLarge', { max: body.error.maxScale ?? 0 }));
        throw new Error(t('export.failed'));
      }
      const parts: Uint8Array<ArrayBuffer>[] = [];
      const reader = res.body!.getReader();
      let total = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        total += value.length;
        setReceived(total);
      }
      const type = res.headers.get('content-type') ?? 'application/octet-stream';
      saveBlob(new Blob(parts, { type }), `pajataulu-${code}.${format}`);
    } catch (err) {
      setFailed(err instanceof Error && err.message ? err.message : t('export.failed'));
    } finally {
      setBusy(undefined);
    }
  }

  const language = currentLanguage();
  const megabytes = useMemo(
    () =>
      new Intl.NumberFormat(language, {
        style: 'unit',
        unit: 'megabyte',
        maximumFractionDigits: 1,
      }),
    [language],
  );
  const progress =
    busy === undefined
      ? ''
      : received > 0
        ? t('export.received', { size: megabytes.format(received / 1e6) })
        : t('export.working');
  const label = (format: Format, idle: string) => (busy === format ? progress : idle);

  return (
    <section className="export-section" aria-busy={busy !== undefined}>
      <h3>{t('export.title')}</h3>
      <fieldset>
        <legend>{t('export.picture')}</legend>
        <label className="field">
          {t('export.area')}
          <select
            value={promptId ?? ''}
            onChange={(e) => setArea(e.target.value)}
            data-testid="export-area"
          >
            <option value="">{t('export.wholeBoard')}</option>
            {board.prompts.map((p) => (
              <option key={p.id} value={p.id}>
                {p.title}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('export.scale')}
          <select
            value={scale}
            onChange={(e) => setScale(Number(e.target.value))}
            data-testid="export-scale"
          >
            {EXPORT_SCALES.map((s) => (
              <option key={s} value={s} disabled={s > maxScale}>
                {s > maxScale
                  ? t('export.scaleTooLarge', { scale: s })
                  : t('export.scaleOption', {
                      scale: s,
                      width: Math.ceil(scene.width * s),
                      height: Math.ceil(scene.height * s),
                    })}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          data-testid="export-png"
          disabled={busy !== undefined || scale > maxScale}
          aria-describedby={scale > maxScale ? 'export-too-large' : undefined}
          onClick={() => void download('png')}
        >
          {label('png', t('export.png'))}
        </button>
        {scale > maxScale && (
          <p id="export-too-large" className="muted small">
            {t('export.tooLarge', { max: maxScale })}
          </p>
        )}
        <label className="field">
          {t('export.paper')}
          <select
            value={paper}
            onChange={(e) => setPaper(e.target.value === 'a3' ? 'a3' : 'a4')}
            data-testid="export-paper"
          >
            <option value="a4">A4</option>
            <option value="a3">A3</option>
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={perPrompt}
            onChange={(e) => setPerPrompt(e.target.checked)}
          />
          {t('export.pagePerPrompt')}
        </label>
        <button
          type="button"
          data-testid="export-pdf"
          disabled={busy !== undefined}
          onClick={() => void download('pdf')}
        >
          {label('pdf', t('export.pdf'))}
        </button>
      </fieldset>
      <fieldset>
        <legend>{t('export.table')}</legend>
        <div className="button-grid">
          {TABLES.map((f) => (
            <button
              key={f}
              type="button"
              data-testid={`export-${f}`}
              disabled={busy !== undefined}
              onClick={() => void download(f)}
            >
              {label(f, t(`export.${f}`))}
            </button>
          ))}
        </div>
      </fieldset>
      <label className="check">
        <input
          type="checkbox"
          checked={allowed}
          onChange={() => {
            setAsked({ want: !allowed, from: current });
            onParticipantExport(!allowed);
          }}
          data-testid="participant-export"
        />
        {t('export.participants')}
      </label>
      <p className="visually-hidden" role="status" aria-live="polite">
        {progress}
      </p>
      {failed && (
        <p className="error" role="alert">
          {failed}
        </p>
      )}
    </section>
  );
}
