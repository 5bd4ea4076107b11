/** Downloads of the board for the report: a backup (JSON) and the notes as a table (CSV, XLSX). */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { currentLanguage } from '../i18n/index.js';

const FORMATS = ['xlsx', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

export function ExportSection({
  boardId,
  code,
  facilitatorKey,
}: {
  boardId: string;
  code: string;
  facilitatorKey: string;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<Format>();
  const [failed, setFailed] = useState(false);

  async function download(format: Format) {
    setBusy(format);
    setFailed(false);
    try {
      // The key goes in a header, not in an address that could end up in a log.
      const res = await fetch(`/api/boards/${boardId}/export.${format}?lang=${currentLanguage()}`, {
        headers: { authorization: `Bearer ${facilitatorKey}` },
      });
      if (!res.ok) throw new Error(String(res.status));
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `pajataulu-${code}.${format}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch {
      setFailed(true);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <section>
      <h3>{t('export.title')}</h3>
      <div className="button-grid">
        {FORMATS.map((f) => (
          <button
            key={f}
            type="button"
            data-testid={`export-${f}`}
            disabled={busy !== undefined}
            onClick={() => void download(f)}
          >
            {busy === f ? t('export.working') : t(`export.${f}`)}
          </button>
        ))}
      </div>
      {failed && (
        <p className="error" role="alert">
          {t('export.failed')}
        </p>
      )}
    </section>
  );
}
