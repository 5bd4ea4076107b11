/**
 * The board as semantic HTML: prompts as headings, notes as list items. Fully usable with a
 * keyboard and a screen reader, live on the same replica as the canvas.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  REACTIONS,
  type Reaction,
  type CommandInput,
  type PersonalDataKind,
  type Prompt,
  type VoteRound,
} from '@pajataulu/shared';
import type { ViewBoard, ViewNote } from '../board/overlay.js';
import { freeSpot } from '../board/view.js';
import { AddNote, EditNoteText } from './ListComposer.js';
import { PersonalDataFlagLine } from './PersonalDataWarning.js';
import { REACTION_EMOJI } from './NoteActions.js';

/** New notes are announced at most this often, summed up, so a burst does not flood a reader. */
export const ANNOUNCE_INTERVAL_MS = 5_000;

/** Reading order: top to bottom, then left to right. */
function byPosition(a: { x: number; y: number }, b: { x: number; y: number }): number {
  return a.y - b.y || a.x - b.x;
}

export interface ListViewProps {
  board: ViewBoard;
  own: ReadonlySet<string>;
  canAdd: boolean;
  canEdit: (n: ViewNote) => boolean;
  canVote: boolean;
  openRound: VoteRound | undefined;
  myDots: Readonly<Record<string, number>>;
  /** The reactions this user gave, per note. */
  myReactions: Readonly<Record<string, readonly Reaction[]>>;
  dotsLeft: number;
  groupLabels: ReadonlyMap<string, string>;
  /** Display names the board shows, for the personal-data guard (see `boardNames`). */
  names: readonly string[];
  /** Facilitators only: what personal data the server found, per note. */
  flags: Readonly<Record<string, readonly PersonalDataKind[]>>;
  run: (c: CommandInput) => void;
  /** Shows a note on the canvas. */
  onShowOnCanvas: (n: ViewNote) => void;
}

function useAnnouncer(count: number): string {
  const { t } = useTranslation();
  const [message, setMessage] = useState('');
  const seen = useRef(count);
  useEffect(() => {
    const timer = setInterval(() => {
      const added = count - seen.current;
      seen.current = count;
      setMessage(added > 0 ? t('list.newNotes', { count: added }) : '');
    }, ANNOUNCE_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [count, t]);
  return message;
}

function NoteItem(props: ListViewProps & { note: ViewNote; prompts: Prompt[] }) {
  const { t } = useTranslation();
  const { note: n } = props;
  const [editing, setEditing] = useState(false);
  const mine = props.own.has(n.id);
  const facts: string[] = [];
  if (n.author) facts.push(n.author);
  if (n.group && props.groupLabels.get(n.group)) facts.push(props.groupLabels.get(n.group)!);
  if (n.month)
    facts.push(
      new Intl.DateTimeFormat(document.documentElement.lang || 'fi', { month: 'long' }).format(
        new Date(2024, n.month - 1, 15),
      ),
    );
  if (n.offstage === 'private') facts.push(t('board.onlyYou'));
  else if (mine) facts.push(t('board.yours'));
  const votes = Object.values(n.votes).reduce((a, b) => a + b, 0);
  const myHere = props.myDots[n.id] ?? 0;
  return (
    <li className="list-note" data-testid="list-note">
      {editing ? (
        <EditNoteText
          noteId={n.id}
          initial={n.text}
          names={props.names}
          onSave={(edited) => {
            props.run({ type: 'note.update', id: n.id, text: edited });
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <p className="list-note-text">{n.text || '—'}</p>
      )}
      {n.editedByFacilitator && (
        <p className="small edited-mark" title={t('board.editedByFacilitatorLong')}>
          {t(mine ? 'board.editedByFacilitatorYours' : 'board.editedByFacilitator')}
        </p>
      )}
      {facts.length > 0 && <p className="muted small">{facts.join(' · ')}</p>}
      {props.flags[n.id] && <PersonalDataFlagLine kinds={props.flags[n.id]!} />}
      <div className="list-note-actions">
        {votes > 0 && <span className="muted small">{t('vote.total', { count: votes })}</span>}
        {n.offstage === null &&
          !n.pending &&
          REACTIONS.map((r) => (
            <button
              key={r}
              type="button"
              className="small-button"
              onClick={() => props.run({ type: 'reaction.toggle', noteId: n.id, reaction: r })}
              aria-label={`${t(`reactions.${r}`)}: ${n.reactions[r] ?? 0}`}
              aria-pressed={props.myReactions[n.id]?.includes(r) ?? false}
            >
              {REACTION_EMOJI[r]} {n.reactions[r] ?? 0}
            </button>
          ))}
        {props.openRound && props.canVote && n.offstage === null && (
          <>
            <button
              type="button"
              className="small-button"
              disabled={myHere === 0}
              onClick={() =>
                props.run({ type: 'vote.retract', roundId: props.openRound!.id, noteId: n.id })
              }
              aria-label={t('vote.remove')}
            >
              −
            </button>
            <span aria-label={t('vote.mine', { count: myHere })}>{'●'.repeat(myHere) || '○'}</span>
            <button
              type="button"
              className="small-button"
              disabled={props.dotsLeft === 0 || myHere >= props.openRound.maxPerNote}
              onClick={() =>
                props.run({ type: 'vote.cast', roundId: props.openRound!.id, noteId: n.id })
              }
              aria-label={t('vote.add')}
            >
              +
            </button>
          </>
        )}
        <button type="button" className="small-button" onClick={() => props.onShowOnCanvas(n)}>
          {t('list.showOnCanvas')}
        </button>
        {props.canEdit(n) && !editing && (
          <>
            <button type="button" className="small-button" onClick={() => setEditing(true)}>
              {t('actions.edit')}
            </button>
            <button
              type="button"
              className="small-button danger"
              onClick={() => props.run({ type: 'note.delete', id: n.id })}
            >
              {t('editor.delete')}
            </button>
            <label className="visually-hidden" htmlFor={`move-${n.id}`}>
              {t('list.moveTo')}
            </label>
            <select
              id={`move-${n.id}`}
              className="compact-select"
              value={n.promptId ?? ''}
              onChange={(e) => {
                const target = props.prompts.find((p) => p.id === e.target.value);
                if (!target) return;
                const at = freeSpot(props.board.notes, {
                  x: target.x + target.w / 2,
                  y: target.y + target.h / 2,
                });
                props.run({ type: 'note.move', id: n.id, ...at });
              }}
            >
              <option value="" disabled>
                {t('list.moveTo')}
              </option>
              {props.prompts.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.title}
                </option>
              ))}
            </select>
          </>
        )}
      </div>
    </li>
  );
}

export function ListView(props: ListViewProps) {
  const { t } = useTranslation();
  const prompts = [...props.board.prompts].sort(byPosition);
  const announcement = useAnnouncer(props.board.notes.length);
  const sections: { prompt: Prompt | null; notes: ViewNote[] }[] = prompts.map((p) => ({
    prompt: p,
    notes: props.board.notes.filter((n) => n.promptId === p.id).sort(byPosition),
  }));
  const loose = props.board.notes.filter(
    (n) => !n.promptId || !prompts.some((p) => p.id === n.promptId),
  );
  if (loose.length > 0 || prompts.length === 0)
    sections.push({ prompt: null, notes: loose.sort(byPosition) });
  return (
    <div className="list-view" id="board-list" data-testid="list-view">
      <p className="visually-hidden" aria-live="polite" role="status">
        {announcement}
      </p>
      {sections.map(({ prompt, notes }) => (
        <section
          key={prompt?.id ?? 'other'}
          aria-labelledby={`h-${prompt?.id ?? 'other'}`}
          className="list-section"
        >
          <h2 id={`h-${prompt?.id ?? 'other'}`}>{prompt ? prompt.title : t('list.other')}</h2>
          {prompt?.description && <p className="muted">{prompt.description}</p>}
          {notes.length > 0 ? (
            <ul>
              {notes.map((n) => (
                <NoteItem key={n.id} {...props} note={n} prompts={prompts} />
              ))}
            </ul>
          ) : (
            <p className="muted">{t('list.noNotes')}</p>
          )}
          {props.canAdd && !(prompt?.locked ?? false) && (
            <AddNote prompt={prompt} board={props.board} names={props.names} run={props.run} />
          )}
        </section>
      ))}
    </div>
  );
}
