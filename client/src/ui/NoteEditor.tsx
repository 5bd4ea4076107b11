/**
 * Editing a note's text in an HTML textarea laid over the canvas: the browser's own text editing,
 * spell-checking and on-screen keyboard. On a phone it sits at the top so the keyboard never
 * covers it.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  MAX_NOTE_TEXT_LENGTH,
  NOTE_COLORS,
  NOTE_SIZE,
  type NoteColor,
  type PersonalDataKind,
} from '@pajataulu/shared';
import type { ViewNote } from '../board/overlay.js';
import { toScreen, type View } from '../board/view.js';
import { NOTE_FILL } from './colors.js';
import {
  PersonalDataFlagLine,
  PersonalDataWarning,
  usePersonalDataGuard,
} from './PersonalDataWarning.js';

export interface NoteEditorProps {
  note: ViewNote;
  view: View;
  compact: boolean;
  canDelete: boolean;
  /** Display names the board shows, for the personal-data guard. */
  names: readonly string[];
  /** Facilitators only: what personal data the server found in this note. */
  flag: readonly PersonalDataKind[] | undefined;
  /** Facilitator tools for this note. */
  moderation:
    { hide: () => void; unhide: () => void; removeAuthor: (() => void) | undefined } | undefined;
  /** Saves and closes: the save button, Ctrl/Cmd+Enter, or focus leaving the editor. */
  onSave: (text: string, color: NoteColor) => void;
  onDelete: () => void;
  /** Closes without saving (Escape, the cancel button). */
  onClose: () => void;
}

export function NoteEditor(props: NoteEditorProps) {
  const { t } = useTranslation();
  const { note } = props;
  const [text, setText] = useState(note.text);
  const [color, setColor] = useState<NoteColor>(note.color);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    area.current?.focus();
    area.current?.setSelectionRange(text.length, text.length);
    // Focus once, when the editor opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Each way out (save, cancel, delete, blur) may fire after another has already closed the editor.
  const done = useRef(false);
  const once =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      if (done.current) return;
      done.current = true;
      fn(...args);
    };
  const guard = usePersonalDataGuard(props.names, area);
  // Changed text passes the personal-data guard first; a warning keeps the editor open.
  const save = () => {
    if (done.current) return;
    if (text !== note.text && text.trim() !== '' && !guard.check(text)) return;
    done.current = true;
    props.onSave(text, color);
  };
  const close = once(props.onClose);
  const remove = once(props.onDelete);
  const box = useRef<HTMLDivElement>(null);
  // Focus that leaves the editor for the canvas or the page saves, as sticky notes do; focus
  // that leaves the window (another app, a screen share) does not.
  const onBlur = () => {
    setTimeout(() => {
      if (!document.hasFocus() || box.current?.contains(document.activeElement)) return;
      save();
    }, 0);
  };
  const pos = toScreen(props.view, { x: note.x, y: note.y });
  const side = Math.max(NOTE_SIZE * props.view.scale, 220);
  const top = Math.max(8, pos.y);
  // A warning makes the editor taller; lift it so its buttons stay on screen.
  const [lift, setLift] = useState(0);
  const warned = guard.warning !== null;
  useLayoutEffect(() => {
    const el = box.current;
    if (props.compact || !el) return;
    const bottom = el.getBoundingClientRect().bottom + lift;
    setLift(Math.min(Math.max(0, bottom + 8 - window.innerHeight), Math.max(0, top - 8)));
    // Measured when the warning opens or closes, not on every keystroke.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [warned]);
  const style = props.compact
    ? undefined
    : { left: Math.max(8, pos.x), top: top - lift, width: Math.max(side, 280) };

  return (
    <div
      ref={box}
      className={`note-editor${props.compact ? ' compact' : ''}`}
      style={style}
      role="dialog"
      aria-label={t('editor.label')}
      onKeyDown={(e) => {
        if (e.key === 'Escape') close();
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) save();
      }}
      onBlur={onBlur}
      onMouseDown={(e) => {
        // Buttons keep the focus in the text (Safari would otherwise focus nothing and save).
        if (e.target instanceof HTMLButtonElement) e.preventDefault();
      }}
    >
      <textarea
        ref={area}
        data-testid="note-editor"
        aria-label={t('editor.label')}
        placeholder={t('editor.placeholder')}
        value={text}
        maxLength={MAX_NOTE_TEXT_LENGTH}
        onChange={(e) => setText(e.target.value)}
        style={{ background: NOTE_FILL[color] }}
        rows={5}
      />
      <div className="editor-row">
        <span className="counter" aria-live="off">
          {t('editor.counter', { count: text.length, max: MAX_NOTE_TEXT_LENGTH })}
        </span>
        <div className="swatches" role="radiogroup" aria-label={t('editor.color')}>
          {NOTE_COLORS.map((c) => (
            <button
              key={c}
              type="button"
              role="radio"
              aria-checked={c === color}
              aria-label={t(`colors.${c}`)}
              className="swatch"
              style={{ background: NOTE_FILL[c] }}
              onClick={() => setColor(c)}
            />
          ))}
        </div>
      </div>
      {props.flag && !guard.warning && <PersonalDataFlagLine kinds={props.flag} />}
      {guard.warning ? (
        <PersonalDataWarning
          kinds={guard.warning.kinds}
          onEdit={guard.edit}
          onSend={() => (guard.confirm(), save())}
        />
      ) : (
        <div className="editor-row buttons">
          {props.canDelete && (
            <button type="button" className="danger" onClick={remove}>
              {t('editor.delete')}
            </button>
          )}
          {props.moderation && note.offstage !== 'hidden' && (
            <button type="button" onClick={once(props.moderation.hide)}>
              {t('facilitator.hideNote')}
            </button>
          )}
          {props.moderation && note.offstage === 'hidden' && (
            <button type="button" onClick={once(props.moderation.unhide)}>
              {t('facilitator.unhideNote')}
            </button>
          )}
          {props.moderation?.removeAuthor && (
            <button type="button" className="danger" onClick={props.moderation.removeAuthor}>
              {t('facilitator.removeAuthor')}
            </button>
          )}
          <span className="spacer" />
          <button type="button" onClick={close}>
            {t('editor.cancel')}
          </button>
          <button type="button" className="primary" data-testid="note-save" onClick={save}>
            {t('editor.save')}
          </button>
        </div>
      )}
    </div>
  );
}
