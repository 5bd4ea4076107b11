/**
 * Writing in the list view: a new note under a prompt, and the text of one's own note. Both pass
 * the personal-data guard before anything is sent.
 */
import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  MAX_NOTE_TEXT_LENGTH,
  NOTE_SIZE,
  randomId,
  type CommandInput,
  type Prompt,
} from '@pajataulu/shared';
import type { ViewBoard } from '../board/overlay.js';
import { freeSpot } from '../board/view.js';
import { PersonalDataWarning, usePersonalDataGuard } from './PersonalDataWarning.js';

/** The form under a prompt (or under "other notes") that adds a note there. */
export function AddNote({
  prompt,
  board,
  names,
  run,
}: {
  prompt: Prompt | null;
  board: ViewBoard;
  names: readonly string[];
  run: (c: CommandInput) => void;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const field = useRef<HTMLTextAreaElement>(null);
  const guard = usePersonalDataGuard(names, field);
  const id = `add-${prompt?.id ?? 'other'}`;
  function send() {
    const center = prompt
      ? { x: prompt.x + prompt.w / 2, y: prompt.y + prompt.h / 2 }
      : { x: -NOTE_SIZE * 4, y: 0 };
    run({
      type: 'note.add',
      id: randomId(20),
      ...freeSpot(board.notes, center),
      text: text.trim(),
    });
    setText('');
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!text.trim() || !guard.check(text)) return;
    send();
  }
  return (
    <form className="list-add" onSubmit={submit}>
      <label htmlFor={id}>{t('list.add')}</label>
      <textarea
        ref={field}
        id={id}
        value={text}
        maxLength={MAX_NOTE_TEXT_LENGTH}
        rows={2}
        onChange={(e) => setText(e.target.value)}
        placeholder={t('editor.placeholder')}
      />
      {guard.warning ? (
        <PersonalDataWarning
          kinds={guard.warning.kinds}
          onEdit={guard.edit}
          onSend={() => (guard.confirm(), send())}
        />
      ) : (
        <button type="submit" className="primary" disabled={!text.trim()}>
          {t('list.addButton')}
        </button>
      )}
    </form>
  );
}

/** The text of one's own note, edited in place in the list. */
export function EditNoteText(props: {
  noteId: string;
  initial: string;
  names: readonly string[];
  onSave: (text: string) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState(props.initial);
  const field = useRef<HTMLTextAreaElement>(null);
  const guard = usePersonalDataGuard(props.names, field);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (guard.check(text)) props.onSave(text);
      }}
    >
      <label htmlFor={`edit-${props.noteId}`} className="visually-hidden">
        {t('editor.label')}
      </label>
      <textarea
        ref={field}
        id={`edit-${props.noteId}`}
        value={text}
        maxLength={MAX_NOTE_TEXT_LENGTH}
        onChange={(e) => setText(e.target.value)}
        rows={3}
        autoFocus
      />
      {guard.warning ? (
        <PersonalDataWarning
          kinds={guard.warning.kinds}
          onEdit={guard.edit}
          onSend={() => (guard.confirm(), props.onSave(text))}
        />
      ) : (
        <div className="editor-row buttons">
          <button type="button" onClick={props.onCancel}>
            {t('editor.cancel')}
          </button>
          <button type="submit" className="primary">
            {t('editor.save')}
          </button>
        </div>
      )}
    </form>
  );
}
