/**
 * Flags for facilitators on notes that look like they hold personal data (see
 * `shared/src/personal-data.ts`). A flag is derived, never stored: it follows from a note's text
 * and the names participants gave, so every instance computes the same flags from the committed
 * board, and nothing about them sits in the document or in storage. A flag names the kinds found,
 * never the author and never the words.
 *
 * Only notes a facilitator may read are flagged: those in the document and those they hid. A
 * private note is flagged when it is revealed, not before, so a flag never tells a facilitator
 * anything about a note they cannot see.
 */
import type * as Y from 'yjs';
import {
  findPersonalData,
  getNote,
  listNotes,
  personalDataKinds,
  type PersonalDataFlag,
  type PrivateState,
} from '@pajataulu/shared';

/** What flags are computed from: note texts as facilitators see them, and participants' names. */
export interface FlagSource {
  /** A note's text if facilitators may read it (in the document, or hidden), else undefined. */
  textOf(noteId: string): string | undefined;
  /** Display names participants gave (named boards). */
  names(): readonly string[];
}

/** The flag source of a live board: its committed document and private state. */
export function boardFlagSource(doc: Y.Doc, state: PrivateState): FlagSource {
  let names: string[] | undefined;
  return {
    textOf(noteId) {
      const rec = state.offstage(noteId);
      if (rec) return rec.state === 'hidden' ? rec.text : undefined;
      return getNote(doc, noteId)?.text;
    },
    names: () => (names ??= state.participantNames()),
  };
}

/**
 * The flags of `noteIds` as they now are, an empty `kinds` for a note that holds nothing (so a
 * flag clears when the text is edited). Notes facilitators may not read are left out.
 */
export function flagsOf(noteIds: Iterable<string>, source: FlagSource): PersonalDataFlag[] {
  const out: PersonalDataFlag[] = [];
  for (const noteId of noteIds) {
    const text = source.textOf(noteId);
    if (text === undefined) continue;
    out.push({
      noteId,
      kinds: personalDataKinds(findPersonalData(text, { names: source.names() })),
    });
  }
  return out;
}

/**
 * Every flagged note a facilitator may read, for their session: one pass over the board's notes,
 * as often as a facilitator connects.
 */
export function boardFlags(doc: Y.Doc, state: PrivateState): PersonalDataFlag[] {
  const ids = [...listNotes(doc).map((n) => n.id), ...state.hiddenNotes().map((n) => n.id)];
  return flagsOf(ids, boardFlagSource(doc, state)).filter((f) => f.kinds.length > 0);
}
