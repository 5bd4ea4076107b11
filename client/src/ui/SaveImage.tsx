/**
 * A participant's own export: the board as everyone sees it, drawn in this browser as a PNG.
 * Shown only while the facilitator allows it.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { buildScene, maxExportScale, type BoardState } from '@pajataulu/shared';
import { currentLanguage } from '../i18n/index.js';
import { drawBoardPng, saveBlob } from '../export/picture.js';

export function SaveImage({ code, read }: { code: string; read: () => BoardState }) {
  const { t } = useTranslation();
  const [progress, setProgress] = useState<number>();
  const [failed, setFailed] = useState<string>();

  async function save() {
    setFailed(undefined);
    const board = read();
    const locale = currentLanguage();
    // 1× unless the board is too large for it; then the largest size that fits.
    const scale = Math.min(1, maxExportScale(buildScene(board, { locale, now: 0 })));
    if (scale === 0) {
      setFailed(t('errors.export_too_large'));
      return;
    }
    setProgress(0);
    try {
      const blob = await drawBoardPng(board, { locale, scale, onProgress: setProgress });
      saveBlob(blob, `pajataulu-${code}.png`);
    } catch {
      setFailed(t('export.failed'));
    } finally {
      setProgress(undefined);
    }
  }

  return (
    <>
      <button
        type="button"
        data-testid="save-image"
        title={t('export.saveImageHint')}
        disabled={progress !== undefined}
        onClick={() => void save()}
      >
        {progress !== undefined
          ? t('export.drawing', { percent: Math.round(progress * 100) })
          : t('export.saveImage')}
      </button>
      {progress !== undefined && (
        <span className="visually-hidden" role="status" aria-live="polite">
          {t('export.drawing', { percent: Math.round(progress * 100) })}
        </span>
      )}
      {failed && (
        <span className="error" role="alert">
          {failed}
        </span>
      )}
    </>
  );
}
