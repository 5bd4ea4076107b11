/**
 * What opens over the board for one note or prompt: the note editor, a note's actions (vote,
 * react), a prompt's editor, and the way back to the facilitator's view.
 */
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { boardNames, voting } from '../../board/derive.js';
import type { ViewNote } from '../../board/overlay.js';
import type { BoardStore } from '../../board/store.js';
import { NoteActions } from '../NoteActions.js';
import { NoteEditor } from '../NoteEditor.js';
import { PromptEditor } from '../PromptEditor.js';
import { useBoard, useBoardStore } from './use-board.js';

/** A facilitator's tools for a note: hide, show, and remove its author (never themselves). */
function moderation(store: BoardStore, note: ViewNote, own: boolean, t: TFunction) {
  return {
    hide: () => {
      store.run({ type: 'note.hide', id: note.id });
      store.closeEditor();
    },
    unhide: () => {
      store.run({ type: 'note.unhide', id: note.id });
      store.closeEditor();
    },
    removeAuthor: own
      ? undefined
      : () => {
          if (window.confirm(t('facilitator.removeConfirm'))) {
            store.run({ type: 'participant.remove', noteId: note.id });
            store.closeEditor();
          }
        },
  };
}

/** The open note's editor, or the open note's actions. */
export function NoteEditors() {
  const { t } = useTranslation();
  const store = useBoardStore();
  const { connection: c, editing, view, compact } = useBoard();
  const note =
    editing && editing.kind !== 'prompt'
      ? c.board.notes.find((n) => n.id === editing.id)
      : undefined;
  if (!note || !editing) return null;
  if (editing.kind === 'note') {
    return (
      <NoteEditor
        key={note.id}
        note={note}
        view={view}
        compact={compact}
        canDelete={store.canEdit(note)}
        names={boardNames(c.board)}
        flag={c.flags[note.id]}
        moderation={store.facilitator ? moderation(store, note, c.own.has(note.id), t) : undefined}
        onSave={(text, color) => store.saveNote(note, text, color)}
        onDelete={() => {
          store.act({ type: 'note.delete', id: note.id });
          store.closeEditor();
        }}
        onClose={() => store.cancelNote(note)}
      />
    );
  }
  const { openRound, myDots, dotsLeft } = voting(c.board, c.myVotes);
  return (
    <NoteActions
      key={note.id}
      note={note}
      round={openRound}
      myDotsHere={myDots[note.id] ?? 0}
      mine={c.myReactions[note.id]}
      dotsLeft={dotsLeft}
      canVote={store.role === 'participant' && note.offstage === null}
      canReact={note.offstage === null && !note.pending}
      canEdit={store.canEdit(note)}
      onVote={(delta) =>
        openRound &&
        store.run({
          type: delta > 0 ? 'vote.cast' : 'vote.retract',
          roundId: openRound.id,
          noteId: note.id,
        })
      }
      onReact={(reaction) => store.run({ type: 'reaction.toggle', noteId: note.id, reaction })}
      onEdit={() => store.edit({ kind: 'note', id: note.id })}
      onClose={store.closeEditor}
    />
  );
}

/** The open prompt's editor (facilitators only). */
export function PromptEditors() {
  const store = useBoardStore();
  const { connection: c, editing } = useBoard();
  const prompt =
    editing?.kind === 'prompt' ? c.board.prompts.find((p) => p.id === editing.id) : undefined;
  if (!prompt) return null;
  return (
    <PromptEditor
      key={prompt.id}
      prompt={prompt}
      onSave={(title) => {
        if (title.trim() && title !== prompt.title)
          store.act({ type: 'prompt.update', id: prompt.id, title: title.trim() });
        store.closeEditor();
      }}
      onToggleLock={() =>
        store.run({ type: 'prompt.update', id: prompt.id, locked: !prompt.locked })
      }
      onTogglePrivate={() =>
        store.run({ type: 'prompt.update', id: prompt.id, privateWriting: !prompt.privateWriting })
      }
      onReveal={() => store.run({ type: 'board.reveal', promptId: prompt.id })}
      onFocus={() => {
        store.run({ type: 'follow.set', mode: 'prompt', promptId: prompt.id });
        store.closeEditor();
      }}
      onDelete={() => {
        store.act({ type: 'prompt.delete', id: prompt.id });
        store.closeEditor();
      }}
      onClose={store.closeEditor}
    />
  );
}

/** Back to the facilitator's view, for a participant who moved away while asked to follow. */
export function ReturnToFollow() {
  const { t } = useTranslation();
  const store = useBoardStore();
  const { connection: c, following } = useBoard();
  if (store.facilitator || store.projector || c.board.meta.follow.mode === 'off' || following)
    return null;
  return (
    <button type="button" className="return-follow primary" onClick={store.returnToFollow}>
      {t('follow.return')}
    </button>
  );
}
