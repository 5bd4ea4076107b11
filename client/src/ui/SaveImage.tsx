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
  const [failed, setFailed] = useState(false);

  async function save() {
    setFailed(false);
    setProgress(0);
    try {
      const board = read();
      const locale = currentLanguage();
      // 1× unless the board is too large for it; then the largest size that fits.
      const scale = Math.min(1, maxExportScale(buildScene(board, { locale, now: 0 })));
      const blob = await drawBoardPng(board, { locale, scale, onProgress: setProgress });
      saveBlob(blob, `pajataulu-${code}.png`);
    } catch {
      setFailed(true);
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
      {failed && (
        <span className="error" role="alert">
          {t('export.failed')}
        </span>
      )}
    </>
  );
}
