/** The lines under the top bar: offline, private writing, locked, and the open vote. */
import { useTranslation } from 'react-i18next';
import { voting } from '../../board/derive.js';
import { useBoard, useBoardStore } from './use-board.js';

export function Banners() {
  const { t } = useTranslation();
  const { role, projector, facilitator } = useBoardStore();
  const { connection: c } = useBoard();
  const { board } = c;
  const { openRound, dotsLeft } = voting(board, c.myVotes);
  return (
    <>
      {c.status === 'offline' && !projector && (
        <p className="banner offline" data-testid="offline-banner">
          {c.queued > 0 ? t('status.offlineQueued', { count: c.queued }) : t('status.offlineHint')}
        </p>
      )}
      {(board.meta.privateWriting || board.prompts.some((p) => p.privateWriting)) &&
        role === 'participant' && <p className="banner">{t('board.privateBanner')}</p>}
      {board.meta.locked && !facilitator && (
        <p className="banner warn">{t('board.lockedBanner')}</p>
      )}
      {openRound && role === 'participant' && (
        <p className="banner" data-testid="vote-banner">
          {t('vote.banner')} {t('vote.dotsLeft', { count: dotsLeft })}
        </p>
      )}
    </>
  );
}
