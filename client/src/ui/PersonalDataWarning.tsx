/**
 * The personal-data guard of every note composer: before a note's text is sent, it is read for
 * identity codes, phone numbers, e-mail addresses and names of people on the board, and if any is
 * found the writer is asked first — edit, or send anyway. The text never leaves the browser for
 * this check.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import {
  findPersonalData,
  personalDataKinds,
  type PersonalDataFinding,
  type PersonalDataKind,
} from '@pajataulu/shared';

export interface PersonalDataGuard {
  /** What was found in the text the writer tried to send, while the warning is on show. */
  warning: { text: string; findings: PersonalDataFinding[]; kinds: PersonalDataKind[] } | null;
  /**
   * Whether `text` may be sent now: nothing found, or the writer chose "send anyway" for exactly
   * this text. Otherwise the warning opens and the caller does not send.
   */
  check: (text: string) => boolean;
  /** "Send anyway": this text goes through `check` from now on. */
  confirm: () => void;
  /** "Edit": the warning closes and the first finding is selected in `field`. */
  edit: () => void;
}

/** The guard for one composer; `names` are the display names the board shows (named boards). */
export function usePersonalDataGuard(
  names: readonly string[],
  field: RefObject<HTMLTextAreaElement | null>,
): PersonalDataGuard {
  const [warning, setWarning] = useState<PersonalDataGuard['warning']>(null);
  const confirmed = useRef<string | null>(null);
  return {
    warning,
    check(text) {
      if (confirmed.current === text) return true;
      const findings = findPersonalData(text, { names });
      if (findings.length === 0) return true;
      setWarning({ text, findings, kinds: personalDataKinds(findings) });
      return false;
    },
    confirm() {
      confirmed.current = warning?.text ?? null;
      setWarning(null);
    },
    edit() {
      const first = warning?.findings[0];
      setWarning(null);
      const el = field.current;
      if (!el) return;
      el.focus();
      if (first && el.value === warning?.text) el.setSelectionRange(first.start, first.end);
    },
  };
}

/**
 * The warning itself, shown in the composer in place of its buttons: what was found, why it
 * matters, and the two ways on. It takes the focus when it opens, so a screen reader reads it and
 * a keyboard is on its buttons.
 */
export function PersonalDataWarning(props: {
  kinds: readonly PersonalDataKind[];
  onEdit: () => void;
  onSend: () => void;
}) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), []);
  return (
    <div
      ref={box}
      className="pd-warning"
      role="alertdialog"
      aria-labelledby="pd-warning-title"
      aria-describedby="pd-warning-text"
      tabIndex={-1}
      data-testid="personal-data-warning"
    >
      <p id="pd-warning-title" className="pd-warning-title">
        {t('personalData.title')}
      </p>
      <div id="pd-warning-text">
        {props.kinds.map((k) => (
          <p key={k} className="pd-warning-kind">
            {t(`personalData.${k}`)}
          </p>
        ))}
        <p className="small">{t('personalData.why')}</p>
      </div>
      <div className="editor-row buttons">
        <button type="button" className="primary" onClick={props.onEdit}>
          {t('personalData.edit')}
        </button>
        <button type="button" onClick={props.onSend}>
          {t('personalData.sendAnyway')}
        </button>
      </div>
    </div>
  );
}

/**
 * For facilitators: the line on a note the server flagged, saying what it looks like it holds
 * (never who wrote it), so they can hide it or ask the room.
 */
export function PersonalDataFlagLine({ kinds }: { kinds: readonly PersonalDataKind[] }) {
  const { t, i18n } = useTranslation();
  const list = new Intl.ListFormat(i18n.language || 'fi', { type: 'conjunction' }).format(
    kinds.map((k) => t(`personalData.${k}Short`)),
  );
  return (
    <p className="pd-flag small" data-testid="personal-data-flag">
      {t('personalData.flag', { kinds: list })}
    </p>
  );
}
