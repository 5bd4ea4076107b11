/** The facilitator's panel: board settings, results, export and the workshop controls. */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { newSecret, randomId } from '@pajataulu/shared';
import { voting, waitingTotal } from '../../board/derive.js';
import type { BoardStore } from '../../board/store.js';
import type { Credentials } from '../../board/transport.js';
import { currentLanguage } from '../../i18n/index.js';
import { saveFacilitatorKey, savedFacilitatorKey, savedProjectorKey } from '../../saved.js';
import { ExportSection } from '../ExportSection.js';
import { FacilitatorPanel } from '../FacilitatorPanel.js';
import { ResultsList } from '../ResultsList.js';
import { WorkshopControls, type WorkshopActions } from '../WorkshopControls.js';
import { useBoard, useBoardStore } from './use-board.js';

/** How long the old connection stays after a key change, so the change is sent on it first. */
const ROTATE_RECONNECT_MS = 500;

function workshopActions(store: BoardStore): WorkshopActions {
  const run = store.run;
  return {
    setTimer: (minutes, onEnd, sound) =>
      run({ type: 'timer.set', durationMs: Math.round(minutes * 60_000), onEnd, sound }),
    startTimer: () => run({ type: 'timer.start' }),
    pauseTimer: () => run({ type: 'timer.pause' }),
    addMinute: () => run({ type: 'timer.addTime', ms: 60_000 }),
    stopTimer: () => run({ type: 'timer.stop' }),
    startVote: (dots, maxPerNote, showTotals) =>
      run({ type: 'vote.start', roundId: randomId(20), dots, maxPerNote, showTotals }),
    endVote: (roundId) => run({ type: 'vote.end', roundId }),
    bringEveryone: store.bringEveryone,
    releaseEveryone: () => run({ type: 'follow.set', mode: 'off' }),
    insertTemplate: (template) => store.insertTemplate(template, currentLanguage()),
  };
}

export function FacilitatorTools({
  code,
  boardId,
  creds,
  onKey,
}: {
  code: string;
  boardId: string;
  creds: Credentials;
  /** The facilitator key changed: connect again with `key`. */
  onKey: (key: string) => void;
}) {
  const { t } = useTranslation();
  const store = useBoardStore();
  const { connection: c } = useBoard();
  const { board } = c;
  const actions = useMemo(() => workshopActions(store), [store]);
  const facilitatorKey = 'facilitatorKey' in creds ? creds.facilitatorKey : '';
  const { openRound, lastClosed } = voting(board, c.myVotes);
  const rotateKey = () => {
    if (!window.confirm(t('facilitator.rotateConfirm'))) return;
    const key = newSecret();
    saveFacilitatorKey(code, key);
    store.run({ type: 'board.rotateKey', key });
    // The new key stays out of the address bar where this browser keeps it.
    history.replaceState(
      null,
      '',
      savedFacilitatorKey(code) === key ? `/f/${code}` : `/f/${code}#key=${key}`,
    );
    setTimeout(() => onKey(key), ROTATE_RECONNECT_MS);
  };
  return (
    <FacilitatorPanel
      meta={board.meta}
      code={code}
      facilitatorKey={facilitatorKey}
      projectorKey={c.session?.projectorKey ?? savedProjectorKey(code)}
      waiting={waitingTotal(board)}
      onTogglePrivate={() =>
        store.run({ type: 'board.update', privateWriting: !board.meta.privateWriting })
      }
      onReveal={() => store.run({ type: 'board.reveal' })}
      onToggleLock={() => store.run({ type: 'board.update', locked: !board.meta.locked })}
      onRotateKey={rotateKey}
      onClose={store.closePanel}
    >
      {lastClosed && <ResultsList round={lastClosed} notes={board.notes} />}
      <ExportSection
        boardId={boardId}
        code={code}
        facilitatorKey={facilitatorKey}
        board={board}
        onParticipantExport={(allowed) =>
          store.run({ type: 'board.update', participantExport: allowed })
        }
      />
      <WorkshopControls meta={board.meta} openRound={openRound} actions={actions} />
    </FacilitatorPanel>
  );
}
